import COpenBLAS
import Foundation

/// The shape of one causal self-attention: `batch` sequences of `length` tokens, `heads` query heads sharing
/// `kvHeads` key/value heads (grouped-query attention; GPT-2 has kvHeads == heads), `headSize` each.
///
/// The fused projection's rows hold `[q (heads·headSize) | k (kvHeads·headSize) | v (kvHeads·headSize)]`.
struct AttentionShape {
    var batch: Int
    var length: Int
    var heads: Int
    var kvHeads: Int
    var headSize: Int

    var rowStride: Int { (heads + 2 * kvHeads) * headSize }
    var outputWidth: Int { heads * headSize }
    var headsPerGroup: Int { heads / kvHeads }
    /// Floats of one head's [length, length] probability matrix.
    var squareSize: Int { length * length }
    /// Query rows per block of the causal products: a quarter of the sequence, at least 16 (fewer, larger
    /// products where the sequence is short: each BLAS call has a fixed cost).
    var rowBlock: Int { max(16, (length + 3) / 4) }
}

/// Causal softmax attention. For each sequence b and head h: S = q·kᵀ/√d, P = softmax over the keys
/// s ≤ t that the key mask allows (mask[b, s] ≠ 0; nil allows all), out = P·v. Stores P in `probabilities`
/// ([batch, heads, length, length]) for the backward pass. A query with no allowed key outputs zeros.
func attentionForward(
    _ out: UnsafeMutablePointer<Float>, probabilities: UnsafeMutablePointer<Float>, qkv: UnsafePointer<Float>,
    keyMask: UnsafePointer<Float>?, shape: AttentionShape
) {
    let profileStart = EngineProfile.start()
    defer { EngineProfile.stop(.attention, profileStart) }
    let T = shape.length
    let R = shape.rowStride
    let hs = shape.headSize
    let scale = 1 / Float(hs).squareRoot()
    _ = BLASThreads.single
    parallelForEach(shape.batch * shape.heads) { unit, _ in
        let b = unit / shape.heads
        let h = unit % shape.heads
        let group = h / shape.headsPerGroup
        let q = qkv + b * T * R + h * hs
        let k = qkv + b * T * R + (shape.heads + group) * hs
        let v = qkv + b * T * R + (shape.heads + shape.kvHeads + group) * hs
        let p = probabilities + unit * shape.squareSize
        let mask = keyMask.map { $0 + b * T }
        let y = out + b * T * shape.outputWidth + h * hs
        // Causal: the query rows [r0, r1) only need keys [0, r1), so work in row blocks.
        for r0 in stride(from: 0, to: T, by: shape.rowBlock) {
            let r1 = min(T, r0 + shape.rowBlock)
            let rows = Int32(r1 - r0)
            cblas_sgemm(
                CblasRowMajor, CblasNoTrans, CblasTrans, rows, Int32(r1), Int32(hs),
                scale, q + r0 * R, Int32(R), k, Int32(R), 0, p + r0 * T, Int32(T))
            for t in r0..<r1 { causalSoftmaxRow(p + t * T, query: t, length: T, mask: mask) }
            cblas_sgemm(
                CblasRowMajor, CblasNoTrans, CblasNoTrans, rows, Int32(hs), Int32(r1),
                1, p + r0 * T, Int32(T), v, Int32(R), 0, y + r0 * shape.outputWidth, Int32(shape.outputWidth))
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

/// Backward of ``attentionForward``. Overwrites `dqkv`; `scratch` holds one [length, length] matrix per
/// thread (``ComputeThreads/count``).
func attentionBackward(
    dqkv: UnsafeMutablePointer<Float>, dout: UnsafePointer<Float>, probabilities: UnsafePointer<Float>,
    qkv: UnsafePointer<Float>, shape: AttentionShape, scratch: UnsafeMutablePointer<Float>
) {
    let profileStart = EngineProfile.start()
    defer { EngineProfile.stop(.attention, profileStart) }
    let T = shape.length
    let R = shape.rowStride
    let hs = shape.headSize
    let C = shape.outputWidth
    let scale = 1 / Float(hs).squareRoot()
    dqkv.initialize(repeating: 0, count: shape.batch * T * R)
    // Query heads sharing a key/value head add into the same dk, dv: one unit per (sequence, group).
    _ = BLASThreads.single
    parallelForEach(shape.batch * shape.kvHeads) { unit, thread in
        let b = unit / shape.kvHeads
        let group = unit % shape.kvHeads
        let dp = scratch + thread * shape.squareSize
        let k = qkv + b * T * R + (shape.heads + group) * hs
        let v = qkv + b * T * R + (shape.heads + shape.kvHeads + group) * hs
        let dk = dqkv + b * T * R + (shape.heads + group) * hs
        let dv = dqkv + b * T * R + (shape.heads + shape.kvHeads + group) * hs
        for h in (group * shape.headsPerGroup)..<((group + 1) * shape.headsPerGroup) {
            let q = qkv + b * T * R + h * hs
            let dq = dqkv + b * T * R + h * hs
            let p = probabilities + (b * shape.heads + h) * shape.squareSize
            let dy = dout + b * T * C + h * hs
            // Row block [r0, r1) of queries touches keys [0, r1) only (causal).
            for r0 in stride(from: 0, to: T, by: shape.rowBlock) {
                let r1 = min(T, r0 + shape.rowBlock)
                let rows = Int32(r1 - r0)
                // dP = dY·vᵀ; dv += Pᵀ·dY
                cblas_sgemm(
                    CblasRowMajor, CblasNoTrans, CblasTrans, rows, Int32(r1), Int32(hs),
                    1, dy + r0 * C, Int32(C), v, Int32(R), 0, dp + r0 * T, Int32(T))
                cblas_sgemm(
                    CblasRowMajor, CblasTrans, CblasNoTrans, Int32(r1), Int32(hs), rows,
                    1, p + r0 * T, Int32(T), dy + r0 * C, Int32(C), 1, dv, Int32(R))
                // dS = P ⊙ (dP − rowsum(P ⊙ dP)); entries beyond the query have P = 0.
                for t in r0..<r1 {
                    let pRow = p + t * T
                    let dRow = dp + t * T
                    let count = t + 1
                    let inner = dotProduct(pRow, dRow, count)
                    var s = 0
                    while s + 16 <= count {
                        store16(load16(pRow + s) * (load16(dRow + s) - inner), dRow + s)
                        s += 16
                    }
                    while s < count {
                        dRow[s] = pRow[s] * (dRow[s] - inner)
                        s += 1
                    }
                    if count < r1 { (dRow + count).initialize(repeating: 0, count: r1 - count) }
                }
                // dq = dS·k/√d; dk += dSᵀ·q/√d
                cblas_sgemm(
                    CblasRowMajor, CblasNoTrans, CblasNoTrans, rows, Int32(hs), Int32(r1),
                    scale, dp + r0 * T, Int32(T), k, Int32(R), 0, dq + r0 * R, Int32(R))
                cblas_sgemm(
                    CblasRowMajor, CblasTrans, CblasNoTrans, Int32(r1), Int32(hs), rows,
                    scale, dp + r0 * T, Int32(T), q + r0 * R, Int32(R), 1, dk, Int32(R))
            }
        }
    }
}
