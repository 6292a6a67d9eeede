// Token (and learned position) embeddings.

/// out[row] = tokenTable[tokens[row]] (+ positionTable[positions[row]]), rows of `channels` floats.
func embeddingForward(
    _ out: UnsafeMutablePointer<Float>, tokens: UnsafePointer<Int32>, positions: UnsafePointer<Int32>,
    tokenTable: UnsafePointer<Float>, positionTable: UnsafePointer<Float>?, rows: Int, channels: Int
) {
    let profileStart = EngineProfile.start()
    defer { EngineProfile.stop(.embedding, profileStart) }
    parallelRanges(rows, minimumPerThread: 16) { range in
        for row in range {
            let y = out + row * channels
            y.update(from: tokenTable + Int(tokens[row]) * channels, count: channels)
            if let positionTable { addScaled(y, positionTable + Int(positions[row]) * channels, channels) }
        }
    }
}

/// Backward of ``embeddingForward``: scatters dout into the rows of the tables it came from. Each thread
/// owns a slice of channels, so rows sharing a token never race.
func embeddingBackward(
    tokenTableGradient: UnsafeMutablePointer<Float>?, positionTableGradient: UnsafeMutablePointer<Float>?,
    dout: UnsafePointer<Float>, tokens: UnsafePointer<Int32>, positions: UnsafePointer<Int32>, rows: Int, channels: Int
) {
    let profileStart = EngineProfile.start()
    defer { EngineProfile.stop(.embedding, profileStart) }
    parallelRanges(channels, minimumPerThread: 16) { range in
        for row in 0..<rows {
            let g = dout + row * channels
            if let tokenTableGradient {
                let target = tokenTableGradient + Int(tokens[row]) * channels
                for c in range { target[c] += g[c] }
            }
            if let positionTableGradient {
                let target = positionTableGradient + Int(positions[row]) * channels
                for c in range { target[c] += g[c] }
            }
        }
    }
}

/// out += inp elementwise (the residual connection; its backward is the identity on both branches).
func residualAdd(_ out: UnsafeMutablePointer<Float>, _ inp: UnsafePointer<Float>, count: Int) {
    let profileStart = EngineProfile.start()
    defer { EngineProfile.stop(.residual, profileStart) }
    parallelRanges(count, minimumPerThread: 16_384) { range in
        addScaled(out + range.lowerBound, inp + range.lowerBound, range.count)
    }
}
