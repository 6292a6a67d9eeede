import COpenBLAS
import Foundation

/// The shape of one causal self-attention: `batch` sequences of `length` tokens, `heads` query heads sharing
/// `kvHeads` key/value heads (grouped-query attention; GPT-2 has kvHeads == heads), `headSize` each. A packed
/// shape (`packedLengths`) instead holds sequences of those lengths end to end in one row of `length` tokens,
/// each attending only to itself (padding-free batches).
///
/// The fused projection's rows hold `[q (heads·headSize) | k (kvHeads·headSize) | v (kvHeads·headSize)]`.
struct AttentionShape {
    var batch: Int
    var length: Int
    var heads: Int
    var kvHeads: Int
    var headSize: Int
    /// Lengths of the sequences packed in the one row (`batch` 1, their sum `length`); nil: one sequence a row.
    var packedLengths: [Int]? = nil

    var rowStride: Int { (heads + 2 * kvHeads) * headSize }
    var outputWidth: Int { heads * headSize }
    var headsPerGroup: Int { heads / kvHeads }
    /// Floats of one head's [length, length] probability matrix (unpacked shapes).
    var squareSize: Int { length * length }

    /// Each sequence's first row and length, and where its heads' [length, length] probability matrices start.
    var sequences: [AttentionSequence] {
        guard let packedLengths else {
            return (0..<batch).map {
                AttentionSequence(start: $0 * length, length: length, probabilities: $0 * heads * squareSize)
            }
        }
        var result: [AttentionSequence] = []
        result.reserveCapacity(packedLengths.count)
        var start = 0
        var offset = 0
        for count in packedLengths {
            result.append(AttentionSequence(start: start, length: count, probabilities: offset))
            start += count
            offset += heads * count * count
        }
        return result
    }

    /// Floats of every head's probabilities ([sequence, head, length, length], each sequence its own length).
    var probabilityCount: Int {
        guard let packedLengths else { return batch * heads * squareSize }
        return heads * packedLengths.reduce(0) { $0 + $1 * $1 }
    }

    /// The longest sequence (the backward pass's per-thread scratch is its square).
    var longestSequence: Int { packedLengths?.max() ?? length }

    /// Query rows per block of the causal products for a sequence of `length`: a quarter of the sequence, at
    /// least 16 (fewer, larger products where the sequence is short: each BLAS call has a fixed cost).
    static func rowBlock(_ length: Int) -> Int { max(16, (length + 3) / 4) }
}

/// One sequence of an ``AttentionShape``: rows `start..<start + length`, its probabilities at `probabilities`.
struct AttentionSequence {
    var start: Int
    var length: Int
    var probabilities: Int
}

/// Causal softmax attention. For each sequence and head h: S = q·kᵀ/√d, P = softmax over the keys s ≤ t of the
/// same sequence that the key mask allows (mask[row of s] ≠ 0; nil allows all), out = P·v. Stores P in
/// `probabilities` (``AttentionShape/probabilityCount`` floats) for the backward pass. A query with no allowed key
/// outputs zeros.
func attentionForward(
    _ out: UnsafeMutablePointer<Float>, probabilities: UnsafeMutablePointer<Float>, qkv: UnsafePointer<Float>,
    keyMask: UnsafePointer<Float>?, shape: AttentionShape
) {
    let profileStart = EngineProfile.start()
    defer { EngineProfile.stop(.attention, profileStart) }
    let R = shape.rowStride
    let hs = shape.headSize
    let C = shape.outputWidth
    let scale = 1 / Float(hs).squareRoot()
    let sequences = shape.sequences
    _ = BLASThreads.single
    parallelForEach(sequences.count * shape.heads) { unit, _ in
        let sequence = sequences[unit / shape.heads]
        let h = unit % shape.heads
        let T = sequence.length
        let group = h / shape.headsPerGroup
        let rows = qkv + sequence.start * R
        let q = rows + h * hs
        let k = rows + (shape.heads + group) * hs
        let v = rows + (shape.heads + shape.kvHeads + group) * hs
        let p = probabilities + sequence.probabilities + h * T * T
        let mask = keyMask.map { $0 + sequence.start }
        let y = out + sequence.start * C + h * hs
        // Causal: the query rows [r0, r1) only need keys [0, r1), so work in row blocks.
        for r0 in stride(from: 0, to: T, by: AttentionShape.rowBlock(T)) {
            let r1 = min(T, r0 + AttentionShape.rowBlock(T))
            let count = Int32(r1 - r0)
            cblas_sgemm(
                CblasRowMajor, CblasNoTrans, CblasTrans, count, Int32(r1), Int32(hs),
                scale, q + r0 * R, Int32(R), k, Int32(R), 0, p + r0 * T, Int32(T))
            for t in r0..<r1 { causalSoftmaxRow(p + t * T, query: t, length: T, mask: mask) }
            cblas_sgemm(
                CblasRowMajor, CblasNoTrans, CblasNoTrans, count, Int32(hs), Int32(r1),
                1, p + r0 * T, Int32(T), v, Int32(R), 0, y + r0 * C, Int32(C))
        }
    }
}

/// Turns scores row[0...query] into probabilities over the allowed keys; zeroes the rest of the row.
@inline(__always)
func causalSoftmaxRow(_ row: UnsafeMutablePointer<Float>, query: Int, length: Int, mask: UnsafePointer<Float>?) {
    let count = query + 1
    var largest = -Float.infinity
    if let mask {
        for s in 0..<count {
            if mask[s] != 0 {
                largest = max(largest, row[s])
            } else {
                row[s] = -Float.infinity  // a masked score, however large, must not swamp the sum
            }
        }
    } else {
        largest = maximum(row, count)
    }
    if largest == -Float.infinity {
        row.initialize(repeating: 0, count: length)
        return
    }
    var total = exponentiateInPlace(row, count, shift: largest)
    if let mask {
        for s in 0..<count where mask[s] == 0 { row[s] = 0 }
        total = sum(row, count)
    }
    scaleInPlace(row, count, by: 1 / total)
    if count < length { (row + count).initialize(repeating: 0, count: length - count) }
}

/// Backward of ``attentionForward``. Overwrites `dqkv`; `scratch` holds one
/// [``AttentionShape/longestSequence``]² matrix per thread (``ComputeThreads/count``).
func attentionBackward(
    dqkv: UnsafeMutablePointer<Float>, dout: UnsafePointer<Float>, probabilities: UnsafePointer<Float>,
    qkv: UnsafePointer<Float>, shape: AttentionShape, scratch: UnsafeMutablePointer<Float>
) {
    let profileStart = EngineProfile.start()
    defer { EngineProfile.stop(.attention, profileStart) }
    let R = shape.rowStride
    let hs = shape.headSize
    let C = shape.outputWidth
    let scale = 1 / Float(hs).squareRoot()
    let sequences = shape.sequences
    let scratchSize = shape.longestSequence * shape.longestSequence
    dqkv.initialize(repeating: 0, count: shape.batch * shape.length * R)
    // Query heads sharing a key/value head add into the same dk, dv: one unit per (sequence, group).
    _ = BLASThreads.single
    parallelForEach(sequences.count * shape.kvHeads) { unit, thread in
        let sequence = sequences[unit / shape.kvHeads]
        let group = unit % shape.kvHeads
        let T = sequence.length
        let dp = scratch + thread * scratchSize
        let rows = qkv + sequence.start * R
        let dRows = dqkv + sequence.start * R
        let k = rows + (shape.heads + group) * hs
        let v = rows + (shape.heads + shape.kvHeads + group) * hs
        let dk = dRows + (shape.heads + group) * hs
        let dv = dRows + (shape.heads + shape.kvHeads + group) * hs
        for h in (group * shape.headsPerGroup)..<((group + 1) * shape.headsPerGroup) {
            let q = rows + h * hs
            let dq = dRows + h * hs
            let p = probabilities + sequence.probabilities + h * T * T
            let dy = dout + sequence.start * C + h * hs
            // Row block [r0, r1) of queries touches keys [0, r1) only (causal).
            for r0 in stride(from: 0, to: T, by: AttentionShape.rowBlock(T)) {
                let r1 = min(T, r0 + AttentionShape.rowBlock(T))
                let count = Int32(r1 - r0)
                // dP = dY·vᵀ; dv += Pᵀ·dY
                cblas_sgemm(
                    CblasRowMajor, CblasNoTrans, CblasTrans, count, Int32(r1), Int32(hs),
                    1, dy + r0 * C, Int32(C), v, Int32(R), 0, dp + r0 * T, Int32(T))
                cblas_sgemm(
                    CblasRowMajor, CblasTrans, CblasNoTrans, Int32(r1), Int32(hs), count,
                    1, p + r0 * T, Int32(T), dy + r0 * C, Int32(C), 1, dv, Int32(R))
                // dS = P ⊙ (dP − rowsum(P ⊙ dP)); entries beyond the query have P = 0.
                for t in r0..<r1 {
                    let pRow = p + t * T
                    let dRow = dp + t * T
                    let keys = t + 1
                    let inner = dotProduct(pRow, dRow, keys)
                    var s = 0
                    while s + 16 <= keys {
                        store16(load16(pRow + s) * (load16(dRow + s) - inner), dRow + s)
                        s += 16
                    }
                    while s < keys {
                        dRow[s] = pRow[s] * (dRow[s] - inner)
                        s += 1
                    }
                    if keys < r1 { (dRow + keys).initialize(repeating: 0, count: r1 - keys) }
                }
                // dq = dS·k/√d; dk += dSᵀ·q/√d
                cblas_sgemm(
                    CblasRowMajor, CblasNoTrans, CblasNoTrans, count, Int32(hs), Int32(r1),
                    scale, dp + r0 * T, Int32(T), k, Int32(R), 0, dq + r0 * R, Int32(R))
                cblas_sgemm(
                    CblasRowMajor, CblasTrans, CblasNoTrans, Int32(r1), Int32(hs), count,
                    scale, dp + r0 * T, Int32(T), q + r0 * R, Int32(R), 1, dk, Int32(R))
            }
        }
    }
}
