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
}

/// Runs `body` with OpenBLAS on one thread, so the engine can run many small products on its own threads
/// without the two thread pools fighting over two cores.
@inline(__always)
func withSingleThreadedBLAS(_ body: () -> Void) {
    let threads = openblas_get_num_threads()
    if threads > 1 { openblas_set_num_threads(1) }
    body()
    if threads > 1 { openblas_set_num_threads(threads) }
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
    withSingleThreadedBLAS {
        parallelForEach(shape.batch * shape.heads) { unit, _ in
            let b = unit / shape.heads
            let h = unit % shape.heads
            let group = h / shape.headsPerGroup
            let q = qkv + b * T * R + h * hs
            let k = qkv + b * T * R + (shape.heads + group) * hs
            let v = qkv + b * T * R + (shape.heads + shape.kvHeads + group) * hs
            let p = probabilities + unit * shape.squareSize
            cblas_sgemm(
                CblasRowMajor, CblasNoTrans, CblasTrans, Int32(T), Int32(T), Int32(hs),
                scale, q, Int32(R), k, Int32(R), 0, p, Int32(T))
            let mask = keyMask.map { $0 + b * T }
            for t in 0..<T { causalSoftmaxRow(p + t * T, query: t, length: T, mask: mask) }
            cblas_sgemm(
                CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(T), Int32(hs), Int32(T),
                1, p, Int32(T), v, Int32(R), 0, out + b * T * shape.outputWidth + h * hs, Int32(shape.outputWidth))
        }
    }
}

/// Turns scores row[0...query] into probabilities over the allowed keys; zeroes the rest of the row.
@inline(__always)
func causalSoftmaxRow(_ row: UnsafeMutablePointer<Float>, query: Int, length: Int, mask: UnsafePointer<Float>?) {
    let count = query + 1
    var largest = -Float.infinity
    if let mask {
        for s in 0..<count where mask[s] != 0 { largest = max(largest, row[s]) }
    } else {
        largest = maximum(row, count)
    }
    if largest == -Float.infinity {
        row.initialize(repeating: 0, count: length)
        return
    }
    var total = exponentiateInPlace(row, count, shift: largest)
    if let mask {
        for s in 0..<count where mask[s] == 0 {
            total -= row[s]
            row[s] = 0
        }
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
    withSingleThreadedBLAS {
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
                // dP = dY·vᵀ; dv += Pᵀ·dY
                cblas_sgemm(
                    CblasRowMajor, CblasNoTrans, CblasTrans, Int32(T), Int32(T), Int32(hs),
                    1, dy, Int32(C), v, Int32(R), 0, dp, Int32(T))
                cblas_sgemm(
                    CblasRowMajor, CblasTrans, CblasNoTrans, Int32(T), Int32(hs), Int32(T),
                    1, p, Int32(T), dy, Int32(C), 1, dv, Int32(R))
                // dS = P ⊙ (dP − rowsum(P ⊙ dP)); entries beyond the query have P = 0.
                for t in 0..<T {
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
                    if count < T { (dRow + count).initialize(repeating: 0, count: T - count) }
                }
                // dq = dS·k/√d; dk += dSᵀ·q/√d
                cblas_sgemm(
                    CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(T), Int32(hs), Int32(T),
                    scale, dp, Int32(T), k, Int32(R), 0, dq, Int32(R))
                cblas_sgemm(
                    CblasRowMajor, CblasTrans, CblasNoTrans, Int32(T), Int32(hs), Int32(T),
                    scale, dp, Int32(T), q, Int32(R), 1, dk, Int32(R))
            }
        }
    }
}
