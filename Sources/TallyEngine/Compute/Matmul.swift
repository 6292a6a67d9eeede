import COpenBLAS

// Linear layers in nn.Linear layout: weight [outDim, inDim], out = inp · weightᵀ + bias.
// Products go through ``matrixProduct`` (sgemm split over the cores), or, for the few rows of a decoding
// step, through sgemv (one row) or sgemm on blocks of weight rows.

/// out[rows, outDim] = inp[rows, inDim] · weight[outDim, inDim]ᵀ (+ bias[outDim]).
func linearForward(
    _ out: UnsafeMutablePointer<Float>, _ inp: UnsafePointer<Float>, _ weight: UnsafePointer<Float>,
    _ bias: UnsafePointer<Float>?, rows: Int, inDim: Int, outDim: Int
) {
    let profileStart = EngineProfile.start()
    defer { EngineProfile.stop(.linear, profileStart) }
    _ = BLASThreads.single
    // With a bias, the rows start as copies of it and the product is added (beta 1).
    let beta: Float = bias == nil ? 0 : 1
    if let bias {
        parallelRanges(rows, minimumPerThread: max(1, 16_384 / outDim)) { range in
            for row in range { (out + row * outDim).update(from: bias, count: outDim) }
        }
    }
    if rows <= smallProductRows {
        // Decoding: a few rows against a weight, split by weight rows (outputs) rather than by input rows as
        // ``matrixProduct`` would. Small products stay on one thread; with ``ComputeWorkers`` a split costs a
        // few microseconds, which already pays for the `small` config's 384×384 projections.
        let split = outDim >= 256 && rows * outDim * inDim >= 1 << 16
        parallelRanges(outDim, minimumPerThread: split ? 128 : outDim + 1) { range in
            productRows(
                out + range.lowerBound, inp, weight + range.lowerBound * inDim, beta: beta, rows: rows,
                inDim: inDim, outDim: range.count, outStride: outDim)
        }
    } else {
        matrixProduct(
            .plain, .transposed, m: rows, n: outDim, k: inDim, a: inp, lda: inDim, b: weight, ldb: inDim, beta: beta,
            c: out, ldc: outDim)
    }
}

/// Up to this many rows, ``linearForward`` treats a product as a decoding step.
let smallProductRows = 16

/// out[rows, outDim] (row stride outStride) = inp · weightᵀ + beta · out: by sgemv for one row, else by
/// sgemm over blocks of ``smallProductBlock(rows:inDim:)`` weight rows.
@inline(__always)
private func productRows(
    _ out: UnsafeMutablePointer<Float>, _ inp: UnsafePointer<Float>, _ weight: UnsafePointer<Float>, beta: Float,
    rows: Int, inDim: Int, outDim: Int, outStride: Int
) {
    if rows == 1 {
        cblas_sgemv(
            CblasRowMajor, CblasNoTrans, Int32(outDim), Int32(inDim), 1, weight, Int32(inDim), inp, 1, beta, out, 1)
        return
    }
    let block = smallProductBlock(rows: rows, inDim: inDim) ?? outDim
    for start in stride(from: 0, to: outDim, by: block) {
        let width = min(block, outDim - start)
        cblas_sgemm(
            CblasRowMajor, CblasNoTrans, CblasTrans, Int32(rows), Int32(width), Int32(inDim),
            1, inp, Int32(inDim), weight + start * inDim, Int32(inDim), beta, out + start, Int32(outStride))
    }
}

/// How many weight rows one sgemm of a few input rows should take, or nil for all of them.
///
/// OpenBLAS (0.3.21, AVX-512 kernels) runs products with at most 1,024 output entries and 10⁶
/// multiply-adds through kernels that read the operands in place; larger ones pack (copy) the whole weight
/// first, which for a few rows costs more than the product itself. Cutting a decoding step's product into
/// blocks under both limits makes it about three times faster (batch 8 on the `small` config's weights).
/// nil when even 16 weight rows exceed the limits.
func smallProductBlock(rows: Int, inDim: Int) -> Int? {
    let byEntries = 1024 / max(1, rows)
    let byWork = 1_000_000 / max(1, rows * inDim)
    let block = min(byEntries, byWork) / 16 * 16
    return block >= 16 ? block : nil
}

/// The backward pass of ``linearForward``: dinp = dout · weight (added to dinp with
/// `accumulateInput`), dweight += doutᵀ · inp, dbias += column sums of dout. Pass nil to skip a gradient
/// (frozen weights still pass gradients through to their input).
func linearBackward(
    dinp: UnsafeMutablePointer<Float>?, dweight: UnsafeMutablePointer<Float>?, dbias: UnsafeMutablePointer<Float>?,
    dout: UnsafePointer<Float>, inp: UnsafePointer<Float>, weight: UnsafePointer<Float>,
    rows: Int, inDim: Int, outDim: Int, accumulateInput: Bool = false
) {
    let profileStart = EngineProfile.start()
    defer { EngineProfile.stop(.linear, profileStart) }
    if let dinp {
        matrixProduct(
            .plain, .plain, m: rows, n: inDim, k: outDim, a: dout, lda: outDim, b: weight, ldb: inDim,
            beta: accumulateInput ? 1 : 0, c: dinp, ldc: inDim)
    }
    if let dweight {
        matrixProduct(
            .transposed, .plain, m: outDim, n: inDim, k: rows, a: dout, lda: outDim, b: inp, ldb: inDim, beta: 1,
            c: dweight, ldc: inDim)
    }
    if let dbias {
        columnSums(dbias, dout, rows: rows, columns: outDim)
    }
}

/// target[c] += Σ_rows matrix[row, c], split over the cores by columns.
func columnSums(_ target: UnsafeMutablePointer<Float>, _ matrix: UnsafePointer<Float>, rows: Int, columns: Int) {
    let blocks = (columns + 15) / 16
    parallelRanges(blocks, minimumPerThread: max(1, 4096 / max(1, rows))) { blockRange in
        let start = blockRange.lowerBound * 16
        let end = min(columns, blockRange.upperBound * 16)
        var column = start
        while column + 16 <= end {
            var total = Vector16()
            for row in 0..<rows { total += load16(matrix + row * columns + column) }
            store16(load16(target + column) + total, target + column)
            column += 16
        }
        while column < end {
            var total: Float = 0
            for row in 0..<rows { total += matrix[row * columns + column] }
            target[column] += total
            column += 1
        }
    }
}
