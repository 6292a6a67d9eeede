import CEngineKernels
import Foundation

// The MLP nonlinearities: GELU with the tanh approximation (GPT-2, in C: see CEngineKernels) and SwiGLU
// (Llama).

/// out = ½x(1 + tanh(√(2/π)(x + 0.044715x³))), elementwise over `count` floats.
func geluForward(_ out: UnsafeMutablePointer<Float>, _ inp: UnsafePointer<Float>, count: Int) {
    let profileStart = EngineProfile.start()
    defer { EngineProfile.stop(.activation, profileStart) }
    parallelRanges(count, minimumPerThread: 4096) { range in
        tally_gelu_forward(out + range.lowerBound, inp + range.lowerBound, range.count)
    }
}

/// dinp = dout · GELU′(inp) (overwrites dinp; dinp may be dout).
func geluBackward(dinp: UnsafeMutablePointer<Float>, inp: UnsafePointer<Float>, dout: UnsafePointer<Float>, count: Int)
{
    let profileStart = EngineProfile.start()
    defer { EngineProfile.stop(.activation, profileStart) }
    parallelRanges(count, minimumPerThread: 4096) { range in
        tally_gelu_backward(dinp + range.lowerBound, inp + range.lowerBound, dout + range.lowerBound, range.count)
    }
}

/// SwiGLU over rows of `[gate | up]` (2·hidden floats): out[row, i] = silu(gate[i]) · up[i], silu(g) = g·σ(g).
func swigluForward(_ out: UnsafeMutablePointer<Float>, _ inp: UnsafePointer<Float>, rows: Int, hidden: Int) {
    let profileStart = EngineProfile.start()
    defer { EngineProfile.stop(.activation, profileStart) }
    parallelRanges(rows, minimumPerThread: max(1, 4096 / hidden)) { range in
        for row in range {
            let gate = inp + row * 2 * hidden
            let up = gate + hidden
            let y = out + row * hidden
            var i = 0
            while i + 16 <= hidden {
                let g = load16(gate + i)
                let silu: Vector16 = g * sigmoid16(g)
                store16(silu * load16(up + i), y + i)
                i += 16
            }
            while i < hidden {
                y[i] = gate[i] * sigmoid(gate[i]) * up[i]
                i += 1
            }
        }
    }
}

/// Backward of ``swigluForward``: writes d[gate | up] into `dinp` (rows × 2·hidden).
func swigluBackward(
    dinp: UnsafeMutablePointer<Float>, inp: UnsafePointer<Float>, dout: UnsafePointer<Float>, rows: Int, hidden: Int
) {
    let profileStart = EngineProfile.start()
    defer { EngineProfile.stop(.activation, profileStart) }
    parallelRanges(rows, minimumPerThread: max(1, 4096 / hidden)) { range in
        for row in range {
            let gate = inp + row * 2 * hidden
            let up = gate + hidden
            let dgate = dinp + row * 2 * hidden
            let dup = dgate + hidden
            let g = dout + row * hidden
            var i = 0
            while i + 16 <= hidden {
                let x = load16(gate + i)
                let s = sigmoid16(x)
                let d = load16(g + i)
                let silu: Vector16 = x * s
                let oneMinusS: Vector16 = 1 - s
                let siluSlope: Vector16 = s * (1 + x * oneMinusS)
                let dUp: Vector16 = d * silu
                let dGate: Vector16 = d * load16(up + i) * siluSlope
                store16(dGate, dgate + i)
                store16(dUp, dup + i)
                i += 16
            }
            while i < hidden {
                let x = gate[i]
                let s = sigmoid(x)
                dgate[i] = g[i] * up[i] * s * (1 + x * (1 - s))
                dup[i] = g[i] * x * s
                i += 1
            }
        }
    }
}
