import COpenBLAS

// Linear layers in nn.Linear layout: weight [outDim, inDim], out = inp · weightᵀ + bias.
// Every product goes through OpenBLAS's sgemm (or sgemv for a single row).

/// out[rows, outDim] = inp[rows, inDim] · weight[outDim, inDim]ᵀ (+ bias[outDim]).
func linearForward(
    _ out: UnsafeMutablePointer<Float>, _ inp: UnsafePointer<Float>, _ weight: UnsafePointer<Float>,
    _ bias: UnsafePointer<Float>?, rows: Int, inDim: Int, outDim: Int
) {
    let profileStart = EngineProfile.start()
    defer { EngineProfile.stop(.linear, profileStart) }
    // With a bias, the rows start as copies of it and the product is added (beta 1).
    let beta: Float = bias == nil ? 0 : 1
    if let bias {
        parallelRanges(rows, minimumPerThread: max(1, 16_384 / outDim)) { range in
            for row in range { (out + row * outDim).update(from: bias, count: outDim) }
        }
    }
    if rows <= smallProductRows {
        // Decoding: a few rows against a weight. OpenBLAS's own two-thread split of such products is slower
        // than one thread; splitting the outputs over the cores, one BLAS thread each, is faster, and small
        // products are fastest on one thread alone. (With ``ComputeWorkers`` a split costs a few
        // microseconds, which already pays for the `small` config's 384×384 projections.)
        let split = outDim >= 256 && rows * outDim * inDim >= 1 << 16
        withSingleThreadedBLAS {
            parallelRanges(outDim, minimumPerThread: split ? 128 : outDim + 1) { range in
                productRows(
                    out + range.lowerBound, inp, weight + range.lowerBound * inDim, beta: beta, rows: rows,
                    inDim: inDim, outDim: range.count, outStride: outDim)
            }
        }
    } else {
        productRows(out, inp, weight, beta: beta, rows: rows, inDim: inDim, outDim: outDim, outStride: outDim)
    }
}

/// Up to this many rows, ``linearForward`` treats a product as a decoding step.
let smallProductRows = 16

/// out[rows, outDim] (row stride outStride) = inp · weightᵀ + beta · out, by sgemv for one row.
@inline(__always)
private func productRows(
    _ out: UnsafeMutablePointer<Float>, _ inp: UnsafePointer<Float>, _ weight: UnsafePointer<Float>, beta: Float,
    rows: Int, inDim: Int, outDim: Int, outStride: Int
) {
    if rows == 1 {
        cblas_sgemv(
            CblasRowMajor, CblasNoTrans, Int32(outDim), Int32(inDim), 1, weight, Int32(inDim), inp, 1, beta, out, 1)
    } else {
        cblas_sgemm(
            CblasRowMajor, CblasNoTrans, CblasTrans, Int32(rows), Int32(outDim), Int32(inDim),
            1, inp, Int32(inDim), weight, Int32(inDim), beta, out, Int32(outStride))
    }
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
        cblas_sgemm(
            CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(rows), Int32(inDim), Int32(outDim),
            1, dout, Int32(outDim), weight, Int32(inDim), accumulateInput ? 1 : 0, dinp, Int32(inDim))
    }
    if let dweight {
        cblas_sgemm(
            CblasRowMajor, CblasTrans, CblasNoTrans, Int32(outDim), Int32(inDim), Int32(rows),
            1, dout, Int32(outDim), inp, Int32(inDim), 1, dweight, Int32(inDim))
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
