import Foundation
import Testing

@testable import TallyEngine

// Every op's backward pass against central finite differences of a random projection of its output.

@Suite struct OpsGradientTests {
    @Test func linearWithBias() {
        let rows = 3, inDim = 5, outDim = 4
        let x = TestBuffer(random: rows * inDim, seed: 1)
        let w = TestBuffer(random: outDim * inDim, seed: 2)
        let b = TestBuffer(random: outDim, seed: 3)
        let r = TestBuffer(random: rows * outDim, seed: 4)
        let out = TestBuffer(zeros: rows * outDim)
        func loss() -> Double {
            linearForward(out.pointer, x.pointer, w.pointer, b.pointer, rows: rows, inDim: inDim, outDim: outDim)
            return projected(out, r)
        }
        let dx = TestBuffer(zeros: x.count), dw = TestBuffer(zeros: w.count), db = TestBuffer(zeros: b.count)
        linearBackward(
            dinp: dx.pointer, dweight: dw.pointer, dbias: db.pointer, dout: r.pointer, inp: x.pointer,
            weight: w.pointer, rows: rows, inDim: inDim, outDim: outDim)
        expectGradient("linear dx", x: x, analytic: dx.array, loss: loss)
        expectGradient("linear dw", x: w, analytic: dw.array, loss: loss)
        expectGradient("linear db", x: b, analytic: db.array, loss: loss)
    }

    @Test func singleRowLinearUsesTheSameMath() {
        let inDim = 7, outDim = 3
        let x = TestBuffer(random: inDim, seed: 5)
        let w = TestBuffer(random: outDim * inDim, seed: 6)
        let out = TestBuffer(zeros: outDim)
        linearForward(out.pointer, x.pointer, w.pointer, nil, rows: 1, inDim: inDim, outDim: outDim)
        for o in 0..<outDim {
            var expected: Float = 0
            for i in 0..<inDim { expected += x.pointer[i] * w.pointer[o * inDim + i] }
            #expect(abs(out.pointer[o] - expected) < 1e-5)
        }
    }

    @Test func layerNorm() {
        let rows = 4, channels = 20
        let x = TestBuffer(random: rows * channels, seed: 7)
        let w = TestBuffer(random: channels, seed: 8)
        let b = TestBuffer(random: channels, seed: 9)
        let r = TestBuffer(random: rows * channels, seed: 10)
        let out = TestBuffer(zeros: rows * channels), mean = TestBuffer(zeros: rows), rstd = TestBuffer(zeros: rows)
        func loss() -> Double {
            layerNormForward(
                out.pointer, mean: mean.pointer, rstd: rstd.pointer, x.pointer, weight: w.pointer,
                bias: b.pointer, rows: rows, channels: channels, epsilon: 1e-5)
            return projected(out, r)
        }
        _ = loss()
        let dx = TestBuffer(zeros: x.count), dw = TestBuffer(zeros: w.count), db = TestBuffer(zeros: b.count)
        let scratch = TestBuffer(zeros: 2 * channels * ComputeThreads.count)
        layerNormBackward(
            dinp: dx.pointer, dweight: dw.pointer, dbias: db.pointer, dout: r.pointer, inp: x.pointer,
            weight: w.pointer, mean: mean.pointer, rstd: rstd.pointer, rows: rows, channels: channels,
            scratch: scratch.pointer)
        expectGradient("layerNorm dx", x: x, analytic: dx.array, epsilon: 1e-3, loss: loss)
        expectGradient("layerNorm dw", x: w, analytic: dw.array, epsilon: 1e-3, loss: loss)
        expectGradient("layerNorm db", x: b, analytic: db.array, epsilon: 1e-3, loss: loss)
    }

    @Test func rmsNorm() {
        let rows = 4, channels = 20
        let x = TestBuffer(random: rows * channels, seed: 11)
        let w = TestBuffer(random: channels, seed: 12)
        let r = TestBuffer(random: rows * channels, seed: 13)
        let out = TestBuffer(zeros: rows * channels), rstd = TestBuffer(zeros: rows)
        func loss() -> Double {
            rmsNormForward(
                out.pointer, rstd: rstd.pointer, x.pointer, weight: w.pointer, rows: rows,
                channels: channels, epsilon: 1e-5)
            return projected(out, r)
        }
        _ = loss()
        let dx = TestBuffer(zeros: x.count), dw = TestBuffer(zeros: w.count)
        let scratch = TestBuffer(zeros: channels * ComputeThreads.count)
        rmsNormBackward(
            dinp: dx.pointer, dweight: dw.pointer, dout: r.pointer, inp: x.pointer, weight: w.pointer,
            rstd: rstd.pointer, rows: rows, channels: channels, scratch: scratch.pointer)
        expectGradient("rmsNorm dx", x: x, analytic: dx.array, epsilon: 1e-3, loss: loss)
        expectGradient("rmsNorm dw", x: w, analytic: dw.array, epsilon: 1e-3, loss: loss)
    }

    @Test func geluTanh() {
        let count = 45
        let x = TestBuffer(random: count, seed: 14, scale: 2)
        let r = TestBuffer(random: count, seed: 15)
        let out = TestBuffer(zeros: count)
        func loss() -> Double {
            geluForward(out.pointer, x.pointer, count: count)
            return projected(out, r)
        }
        let dx = TestBuffer(zeros: count)
        geluBackward(dinp: dx.pointer, inp: x.pointer, dout: r.pointer, count: count)
        expectGradient("gelu dx", x: x, analytic: dx.array, epsilon: 1e-3, loss: loss)
    }

    @Test func geluMatchesTheFormulaFarFromZero() {
        let values: [Float] = (-40...40).map { Float($0) * 0.3 } + [-0.0, 1e-6, -1e-6, 30, -30]
        let x = TestBuffer(values)
        let out = TestBuffer(zeros: values.count), slope = TestBuffer(zeros: values.count)
        geluForward(out.pointer, x.pointer, count: values.count)
        let ones = TestBuffer([Float](repeating: 1, count: values.count))
        geluBackward(dinp: slope.pointer, inp: x.pointer, dout: ones.pointer, count: values.count)
        for (i, v) in values.enumerated() {
            let u = Double(0.7978845608) * (Double(v) + 0.044715 * Double(v) * Double(v) * Double(v))
            let t = Foundation.tanh(u)
            let expected = 0.5 * Double(v) * (1 + t)
            let expectedSlope =
                0.5 * (1 + t) + 0.5 * Double(v) * (1 - t * t) * 0.7978845608
                * (1 + 3 * 0.044715 * Double(v) * Double(v))
            #expect(abs(Double(out.pointer[i]) - expected) <= 1e-5 * max(1, abs(expected)), "GELU(\(v))")
            #expect(abs(Double(slope.pointer[i]) - expectedSlope) <= 1e-5, "GELU′(\(v))")
        }
    }

    @Test func swiglu() {
        let rows = 2, hidden = 19
        let x = TestBuffer(random: rows * 2 * hidden, seed: 16, scale: 2)
        let r = TestBuffer(random: rows * hidden, seed: 17)
        let out = TestBuffer(zeros: rows * hidden)
        func loss() -> Double {
            swigluForward(out.pointer, x.pointer, rows: rows, hidden: hidden)
            return projected(out, r)
        }
        let dx = TestBuffer(zeros: x.count)
        swigluBackward(dinp: dx.pointer, inp: x.pointer, dout: r.pointer, rows: rows, hidden: hidden)
        expectGradient("swiglu dx", x: x, analytic: dx.array, epsilon: 1e-3, loss: loss)
    }

    /// Length 37 runs the causal products in several row blocks (16 rows each).
    @Test(arguments: [(4, 4, false, 5), (4, 2, true, 5), (2, 1, true, 5), (2, 1, false, 37)])
    func attention(heads: Int, kvHeads: Int, masked: Bool, length: Int) {
        let shape = AttentionShape(batch: 2, length: length, heads: heads, kvHeads: kvHeads, headSize: 3)
        let rows = shape.batch * shape.length
        let qkv = TestBuffer(random: rows * shape.rowStride, seed: 18)
        let r = TestBuffer(random: rows * shape.outputWidth, seed: 19)
        // Second sequence: its first two tokens are padding (masked keys), the rest real.
        let mask = TestBuffer([Float](repeating: 1, count: length) + [0, 0] + [Float](repeating: 1, count: length - 2))
        let out = TestBuffer(zeros: rows * shape.outputWidth)
        let probabilities = TestBuffer(zeros: shape.batch * heads * shape.squareSize)
        func loss() -> Double {
            attentionForward(
                out.pointer, probabilities: probabilities.pointer, qkv: qkv.pointer,
                keyMask: masked ? mask.pointer : nil, shape: shape)
            return projected(out, r)
        }
        _ = loss()
        let dqkv = TestBuffer(zeros: qkv.count)
        let scratch = TestBuffer(zeros: ComputeThreads.count * shape.squareSize)
        attentionBackward(
            dqkv: dqkv.pointer, dout: r.pointer, probabilities: probabilities.pointer,
            qkv: qkv.pointer, shape: shape, scratch: scratch.pointer)
        expectGradient(
            "attention dqkv", x: qkv, analytic: dqkv.array, epsilon: 1e-3, stride: length > 16 ? 5 : 1,
            loss: loss)
        // Causality: probabilities above the diagonal are exactly zero, rows sum to one.
        for unit in 0..<(shape.batch * heads) {
            for t in 0..<shape.length {
                let row = probabilities.pointer + unit * shape.squareSize + t * shape.length
                var total: Float = 0
                for s in 0..<shape.length {
                    if s > t { #expect(row[s] == 0) }
                    total += row[s]
                }
                let b = unit / heads
                let fullyMasked = masked && b == 1 && t < 2
                #expect(abs(total - (fullyMasked ? 0 : 1)) < 1e-5)
                if masked && b == 1 && t >= 2 { #expect(row[0] == 0 && row[1] == 0) }
            }
        }
    }

    @Test func aHugeScoreOnAPaddedKeyChangesNothing() {
        let shape = AttentionShape(batch: 1, length: 3, heads: 1, kvHeads: 1, headSize: 2)
        // Token 0 is padding; its key is enormous, so an unmasked softmax would give it all the weight.
        let qkv = TestBuffer([1, 1, 500, 500, 7, 7, /**/ 1, 1, 0.1, 0.2, 1, 2, /**/ 1, 1, 0.3, 0.1, 3, 4])
        let mask = TestBuffer([0, 1, 1])
        let out = TestBuffer(zeros: 6)
        let probabilities = TestBuffer(zeros: 9)
        attentionForward(
            out.pointer, probabilities: probabilities.pointer, qkv: qkv.pointer, keyMask: mask.pointer,
            shape: shape)
        let p = probabilities.array
        #expect(p[0..<3] == [0, 0, 0], "a query with no real key attends to nothing")
        #expect(p[3] == 0 && p[4] == 1)
        #expect(p[6] == 0 && abs(p[7] + p[8] - 1) < 1e-6)
        #expect(abs(out.pointer[2] - 1) < 1e-6 && abs(out.pointer[3] - 2) < 1e-6, "query 1 sees only key 1")
    }

    @Test func rotaryBackwardIsTheTransposeRotation() {
        let rows = 3, headSize = 4, heads = 3, stride = heads * headSize + 2
        let table = RotaryTable(headSize: headSize, maxPositions: 8, theta: 10_000)
        defer { table.deallocate() }
        let positions: [Int32] = [0, 3, 7]
        let x = TestBuffer(random: rows * stride, seed: 20)
        let r = TestBuffer(random: rows * stride, seed: 21)
        let out = TestBuffer(zeros: rows * stride)
        func loss() -> Double {
            out.pointer.update(from: x.pointer, count: x.count)
            positions.withUnsafeBufferPointer {
                rotaryApply(
                    out.pointer, positions: $0.baseAddress!, rows: rows, rowStride: stride,
                    rotatedHeads: heads, table: table, inverse: false)
            }
            return projected(out, r)
        }
        let dx = TestBuffer(r.array)
        positions.withUnsafeBufferPointer {
            rotaryApply(
                dx.pointer, positions: $0.baseAddress!, rows: rows, rowStride: stride, rotatedHeads: heads,
                table: table, inverse: true)
        }
        expectGradient("rotary dx", x: x, analytic: dx.array, epsilon: 1e-3, loss: loss)
    }

    @Test func embeddingScattersIntoSharedRows() {
        let rows = 5, channels = 6, vocabulary = 4, positionsCount = 5
        let tokens: [Int32] = [1, 3, 1, 0, 1]
        let positions: [Int32] = [0, 1, 2, 3, 4]
        let wte = TestBuffer(random: vocabulary * channels, seed: 22)
        let wpe = TestBuffer(random: positionsCount * channels, seed: 23)
        let r = TestBuffer(random: rows * channels, seed: 24)
        let out = TestBuffer(zeros: rows * channels)
        func loss() -> Double {
            embeddingForward(
                out.pointer, tokens: tokens, positions: positions, tokenTable: wte.pointer,
                positionTable: wpe.pointer, rows: rows, channels: channels)
            return projected(out, r)
        }
        let dwte = TestBuffer(zeros: wte.count), dwpe = TestBuffer(zeros: wpe.count)
        embeddingBackward(
            tokenTableGradient: dwte.pointer, positionTableGradient: dwpe.pointer, dout: r.pointer,
            tokens: tokens, positions: positions, rows: rows, channels: channels)
        expectGradient("embedding dwte", x: wte, analytic: dwte.array, loss: loss)
        expectGradient("embedding dwpe", x: wpe, analytic: dwpe.array, loss: loss)
    }

    @Test func crossEntropyWithLossMask() {
        let rows = 4, vocabulary = 37
        let logits = TestBuffer(random: rows * vocabulary, seed: 25, scale: 3)
        let targets: [Int32] = [3, -1, 36, 0]
        let weights = TestBuffer([0.5, 0.7, 0, 1.5])  // row 1 has no target, row 2 is masked out
        let work = TestBuffer(zeros: rows * vocabulary)
        let logProbs = TestBuffer(zeros: rows)
        func loss() -> Double {
            work.pointer.update(from: logits.pointer, count: logits.count)
            softmaxWithTargetLogProbs(
                work.pointer, targets: targets, targetLogProbs: logProbs.pointer, rows: rows,
                vocabulary: vocabulary)
            var total: Double = 0
            for row in 0..<rows { total -= Double(weights.pointer[row]) * Double(logProbs.pointer[row]) }
            return total
        }
        _ = loss()
        #expect(logProbs.pointer[1] == 0)
        crossEntropyBackward(
            work.pointer, targets: targets, weights: weights.pointer, rows: rows,
            vocabulary: vocabulary)
        expectGradient("cross-entropy dlogits", x: logits, analytic: work.array, epsilon: 1e-3, loss: loss)
    }
}
