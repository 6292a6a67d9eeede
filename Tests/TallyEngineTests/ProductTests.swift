import Testing

@testable import TallyEngine

/// The engine cuts products into pieces: by rows or columns over the cores (``matrixProduct``), and by
/// blocks of weight rows for decoding steps (``smallProductBlock(rows:inDim:)``). Every piece must land
/// where the whole product would have put it.
@Suite struct ProductTests {
    /// C = alpha · op(A) · op(B) + beta · C, one entry at a time in Double.
    private func reference(
        _ opA: Operand, _ opB: Operand, m: Int, n: Int, k: Int, alpha: Float, a: TestBuffer, b: TestBuffer,
        beta: Float, c: [Float]
    ) -> [Float] {
        var result = c
        for i in 0..<m {
            for j in 0..<n {
                var total: Double = 0
                for p in 0..<k {
                    let x = opA == .plain ? a.pointer[i * k + p] : a.pointer[p * m + i]
                    let y = opB == .plain ? b.pointer[p * n + j] : b.pointer[j * k + p]
                    total += Double(x) * Double(y)
                }
                result[i * n + j] = Float(Double(alpha) * total + Double(beta) * Double(c[i * n + j]))
            }
        }
        return result
    }

    /// Tall (split by rows) and wide (split by columns) shapes above the splitting threshold, and one below.
    @Test(arguments: [(200, 72, 40), (40, 300, 40), (9, 10, 11)])
    func splitProductsMatchTheWholeProduct(shape: (Int, Int, Int)) {
        let (m, n, k) = shape
        if m >= 32 || n >= 32 { #expect(m * n * k >= productSplitThreshold) }
        for opA in [Operand.plain, .transposed] {
            for opB in [Operand.plain, .transposed] {
                let a = TestBuffer(random: m * k, seed: 1)
                let b = TestBuffer(random: k * n, seed: 2)
                let c = TestBuffer(random: m * n, seed: 3)
                let expected = reference(opA, opB, m: m, n: n, k: k, alpha: 0.5, a: a, b: b, beta: 1, c: c.array)
                matrixProduct(
                    opA, opB, m: m, n: n, k: k, alpha: 0.5, a: a.pointer, lda: opA == .plain ? k : m, b: b.pointer,
                    ldb: opB == .plain ? n : k, beta: 1, c: c.pointer, ldc: n)
                let worst = zip(c.array, expected).map { abs($0 - $1) }.max() ?? 0
                #expect(worst < 1e-4, "\(opA) \(opB) \(m)×\(n)×\(k): off by \(worst)")
            }
        }
    }

    /// A decoding step of 8 rows against weights wide enough to be cut into blocks, with a bias.
    @Test(arguments: [384, 1536])
    func blockedDecodingProductsMatchTheWholeProduct(inDim: Int) {
        let rows = 8, outDim = 1152
        #expect(smallProductBlock(rows: rows, inDim: inDim)! < outDim)
        let x = TestBuffer(random: rows * inDim, seed: 4)
        let w = TestBuffer(random: outDim * inDim, seed: 5)
        let bias = TestBuffer(random: outDim, seed: 6)
        let out = TestBuffer(zeros: rows * outDim)
        linearForward(out.pointer, x.pointer, w.pointer, bias.pointer, rows: rows, inDim: inDim, outDim: outDim)
        let biasRows = (0..<rows).flatMap { _ in bias.array }
        let expected = reference(
            .plain, .transposed, m: rows, n: outDim, k: inDim, alpha: 1, a: x, b: w, beta: 1, c: biasRows)
        let worst = zip(out.array, expected).map { abs($0 - $1) }.max() ?? 0
        #expect(worst < 1e-4)
    }

    @Test func blocksStayWithinOpenBLASsSmallKernelLimits() {
        for rows in 2...16 {
            for inDim in [64, 384, 1536, 3072] {
                guard let block = smallProductBlock(rows: rows, inDim: inDim) else {
                    #expect(rows * 16 * inDim > 1_000_000)
                    continue
                }
                #expect(block % 16 == 0 && block >= 16)
                #expect(rows * block <= 1024 && rows * block * inDim <= 1_000_000)
            }
        }
    }
}
