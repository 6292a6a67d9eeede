// Moving a subset of rows into a compact matrix and back: the language-model head runs only at the positions
// that have a target.

/// out[k] = inp[indices[k]] for k in 0..<count, rows of `channels` floats.
func gatherRows(
    _ out: UnsafeMutablePointer<Float>, _ inp: UnsafePointer<Float>, indices: UnsafePointer<Int32>, count: Int,
    channels: Int
) {
    parallelRanges(count, minimumPerThread: max(1, 16_384 / channels)) { range in
        for k in range { (out + k * channels).update(from: inp + Int(indices[k]) * channels, count: channels) }
    }
}

/// Backward of ``gatherRows(_:_:indices:count:channels:)`` for distinct `indices`: out[indices[k]] = inp[k],
/// and every other of out's `rows` rows zero.
func scatterRows(
    _ out: UnsafeMutablePointer<Float>, _ inp: UnsafePointer<Float>, indices: UnsafePointer<Int32>, count: Int,
    rows: Int, channels: Int
) {
    out.update(repeating: 0, count: rows * channels)
    parallelRanges(count, minimumPerThread: max(1, 16_384 / channels)) { range in
        for k in range { (out + Int(indices[k]) * channels).update(from: inp + k * channels, count: channels) }
    }
}
