import COpenBLAS

/// Whether an operand of ``matrixProduct(_:_:m:n:k:alpha:a:lda:b:ldb:beta:c:ldc:)`` is
/// read transposed.
enum Operand {
    case plain
    case transposed

    var blas: CBLAS_TRANSPOSE { self == .plain ? CblasNoTrans : CblasTrans }
}

/// The engine's OpenBLAS runs on one thread: the engine splits products over its own workers
/// (``ComputeWorkers``). With OpenBLAS's threads as well, two thread pools would share the cores, and
/// OpenBLAS's idle threads spin between products, taking CPU time from the engine's other kernels.
enum BLASThreads {
    /// Sets OpenBLAS to one thread, once; every product of the engine goes through here first.
    static let single: Void = { openblas_set_num_threads(1) }()
}

/// Products smaller than this many multiply-adds run on one thread: splitting costs a few microseconds.
let productSplitThreshold = 1 << 18

/// Row-major C[m, n] = alpha · op(A) · op(B) + beta · C, where op(A) is [m, k] and op(B) is [k, n]
/// (A stored [k, m] when transposed, B stored [n, k] when transposed), split over the cores by rows of C
/// (or by its columns when it is wider than tall), one slice of whole 16-blocks per core. The slices depend
/// only on the shape, so the result does not depend on which thread computes which slice.
func matrixProduct(
    _ opA: Operand, _ opB: Operand, m: Int, n: Int, k: Int, alpha: Float = 1,
    a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
    beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int
) {
    _ = BLASThreads.single
    guard m > 0, n > 0 else { return }
    func gemm(
        _ m: Int, _ n: Int, _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ c: UnsafeMutablePointer<Float>
    ) {
        cblas_sgemm(
            CblasRowMajor, opA.blas, opB.blas, Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb),
            beta, c, Int32(ldc))
    }
    let work = m * n * max(1, k)
    if work < productSplitThreshold || ComputeThreads.count == 1 || max(m, n) < 32 {
        gemm(m, n, a, b, c)
        return
    }
    let block = 16
    let alongRows = m >= n
    let length = alongRows ? m : n
    let blocks = (length + block - 1) / block
    // One slice per core: each slice packs its own copy of the other operand, so more slices cost more
    // copying (measured: 2 slices ran sgemm at ~420 GFLOP/s on this machine's 2 cores, 8 at ~395).
    let minimumBlocks = max(1, productSplitThreshold / 2 / max(1, work / blocks))
    parallelSlices(blocks, minimumPerThread: minimumBlocks) { range, _ in
        let start = range.lowerBound * block
        let size = min(length, range.upperBound * block) - start
        if alongRows {
            let aStart = opA == .plain ? a + start * lda : a + start
            gemm(size, n, aStart, b, c + start * ldc)
        } else {
            let bStart = opB == .plain ? b + start : b + start * ldb
            gemm(m, size, a, bStart, c + start)
        }
    }
}
