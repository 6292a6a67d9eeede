import Foundation

// The MLP nonlinearities: GELU with the tanh approximation (GPT-2) and SwiGLU (Llama).

private let geluScale: Float = 0.797_884_560_802_865_4  // √(2/π)
private let geluCubic: Float = 0.044_715

/// √(2/π)(x + 0.044715x³) for 16 lanes.
@inline(__always)
private func geluArgument16(_ x: Vector16) -> Vector16 {
    let cube: Vector16 = x * x * x
    let inner: Vector16 = x + geluCubic * cube
    return geluScale * inner
}

/// out = ½x(1 + tanh(√(2/π)(x + 0.044715x³))), elementwise over `count` floats.
func geluForward(_ out: UnsafeMutablePointer<Float>, _ inp: UnsafePointer<Float>, count: Int) {
    let profileStart = EngineProfile.start()
    defer { EngineProfile.stop(.activation, profileStart) }
    parallelRanges(count, minimumPerThread: 4096) { range in
        var i = range.lowerBound
        while i + 16 <= range.upperBound {
            let x = load16(inp + i)
            let t = tanh16(geluArgument16(x))
            let onePlusT: Vector16 = 1 + t
            let half: Vector16 = 0.5 * x
            store16(half * onePlusT, out + i)
            i += 16
        }
        while i < range.upperBound {
            let x = inp[i]
            out[i] = 0.5 * x * (1 + Foundation.tanh(geluScale * (x + geluCubic * x * x * x)))
            i += 1
        }
    }
}

/// dinp = dout · GELU′(inp) (overwrites dinp; dinp may be dout).
func geluBackward(dinp: UnsafeMutablePointer<Float>, inp: UnsafePointer<Float>, dout: UnsafePointer<Float>, count: Int)
{
    let profileStart = EngineProfile.start()
    defer { EngineProfile.stop(.activation, profileStart) }
    parallelRanges(count, minimumPerThread: 4096) { range in
        var i = range.lowerBound
        while i + 16 <= range.upperBound {
            let x = load16(inp + i)
            let t = tanh16(geluArgument16(x))
            let x2: Vector16 = x * x
            let slope: Vector16 = geluScale * (1 + (3 * geluCubic) * x2)
            let sech2: Vector16 = 1 - t * t
            let left: Vector16 = 0.5 * (1 + t)
            let right: Vector16 = (0.5 * x) * sech2 * slope
            store16((left + right) * load16(dout + i), dinp + i)
            i += 16
        }
        while i < range.upperBound {
            let x = inp[i]
            let t = Foundation.tanh(geluScale * (x + geluCubic * x * x * x))
            let derivative = 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * geluScale * (1 + 3 * geluCubic * x * x)
            dinp[i] = derivative * dout[i]
            i += 1
        }
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
