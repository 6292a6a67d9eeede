import Foundation

/// Rotary position embeddings (RoPE) as Llama uses them: the head vector's halves (i, i + d/2) are rotated
/// by the angle position · θ^(−2i/d). Cosines and sines are tabulated once per model.
struct RotaryTable {
    let headSize: Int
    let maxPositions: Int
    /// [maxPositions, headSize/2] cosines, then the same for sines.
    let values: UnsafeMutablePointer<Float>

    init(headSize: Int, maxPositions: Int, theta: Double) {
        self.headSize = headSize
        self.maxPositions = maxPositions
        let half = headSize / 2
        values = .allocate(capacity: 2 * maxPositions * half)
        for position in 0..<maxPositions {
            for i in 0..<half {
                let frequency = 1 / Foundation.pow(theta, Double(2 * i) / Double(headSize))
                let angle = Double(position) * frequency
                values[position * half + i] = Float(Foundation.cos(angle))
                values[maxPositions * half + position * half + i] = Float(Foundation.sin(angle))
            }
        }
    }

    func deallocate() { values.deallocate() }
}

/// Rotates, in place, the first `rotatedHeads` heads of each row of `data` (row stride `rowStride`) by the
/// row's position; `inverse` applies the transpose rotation, which is the backward pass.
func rotaryApply(
    _ data: UnsafeMutablePointer<Float>, positions: UnsafePointer<Int32>, rows: Int, rowStride: Int,
    rotatedHeads: Int, table: RotaryTable, inverse: Bool
) {
    let profileStart = EngineProfile.start()
    defer { EngineProfile.stop(.attention, profileStart) }
    let half = table.headSize / 2
    let sign: Float = inverse ? -1 : 1
    parallelRanges(rows, minimumPerThread: 16) { range in
        for row in range {
            let position = Int(positions[row])
            let cosines = table.values + position * half
            let sines = table.values + table.maxPositions * half + position * half
            for head in 0..<rotatedHeads {
                let x = data + row * rowStride + head * table.headSize
                for i in 0..<half {
                    let a = x[i]
                    let b = x[i + half]
                    let s = sign * sines[i]
                    x[i] = a * cosines[i] - b * s
                    x[i + half] = b * cosines[i] + a * s
                }
            }
        }
    }
}
