// Moving a subset of rows into a compact matrix and back: when a loss reads the outputs at a few positions
// only (the targets, a reward's last token), the last block after its attention and the heads run on those
// rows alone.

/// out[k] = inp[indices[k]] (or, with `accumulate`, out[k] += inp[indices[k]]) for k in 0..<count, rows of
/// `channels` floats.
func gatherRows(
    _ out: UnsafeMutablePointer<Float>, _ inp: UnsafePointer<Float>, indices: UnsafePointer<Int32>, count: Int,
    channels: Int, accumulate: Bool = false
) {
    parallelRanges(count, minimumPerThread: max(1, 16_384 / channels)) { range in
        for k in range {
            let source = inp + Int(indices[k]) * channels
            if accumulate {
                addScaled(out + k * channels, source, channels)
            } else {
                (out + k * channels).update(from: source, count: channels)
            }
        }
    }
}

/// Backward of ``gatherRows(_:_:indices:count:channels:accumulate:)`` for distinct `indices`:
/// out[indices[k]] = inp[k], and every other of out's `rows` rows zero.
func scatterRows(
    _ out: UnsafeMutablePointer<Float>, _ inp: UnsafePointer<Float>, indices: UnsafePointer<Int32>, count: Int,
    rows: Int, channels: Int
) {
    out.update(repeating: 0, count: rows * channels)
    parallelRanges(count, minimumPerThread: max(1, 16_384 / channels)) { range in
        for k in range { (out + Int(indices[k]) * channels).update(from: inp + k * channels, count: channels) }
    }
}

/// ``gatherRows(_:_:indices:count:channels:accumulate:)`` in place: rows indices[k] of `matrix` move to rows k,
/// for increasing `indices` (so a row moves only towards the front, after it has been read).
func compactRows(_ matrix: UnsafeMutablePointer<Float>, indices: UnsafePointer<Int32>, count: Int, channels: Int) {
    for k in 0..<count where Int(indices[k]) != k {
        (matrix + k * channels).update(from: matrix + Int(indices[k]) * channels, count: channels)
    }
}
