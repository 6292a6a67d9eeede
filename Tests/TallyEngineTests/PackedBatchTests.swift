import Foundation
import Testing

@testable import TallyEngine

// Padding-free batches: sequences packed end to end in one row, attention kept inside each, positions
// restarting; and the language-model head run only where there is a target.

/// Three sequences with prompts: 5, 3 and 7 inputs, within TinyConfigs' context of 8.
let packedSequences: [[Int32]] = [[1, 2, 3, 4, 5, 6], [7, 8, 9, 10], [2, 4, 6, 8, 10, 1, 3, 5]]
let packedPrompts = [2, 1, 3]

@Suite struct PackedBatchTests {
    @Test func packingLaysSequencesEndToEnd() throws {
        let batch = try TokenBatch(packing: [[5, 6, 7, 8], [9, 10, 11]], promptLengths: [2, 1])
        #expect(batch.batchSize == 1 && batch.length == 5 && batch.attentionMask == nil)
        #expect(batch.tokens == [5, 6, 7, 9, 10] && batch.targets == [-1, 7, 8, 10, 11])
        #expect(batch.packedLengths == [3, 2] && batch.sequenceCount == 2)
        #expect(batch.sequenceRanges == [0..<3, 3..<5] && batch.lastTokenPositions == [2, 4])
        let scoring = try TokenBatch(packingForScoring: [[1, 2, 3], [4], [5, 6]])
        #expect(scoring.tokens == [1, 2, 3, 4, 5, 6] && scoring.targets.allSatisfy { $0 == -1 })
        #expect(scoring.lastTokenIndices == [2, 0, 1] && scoring.lastTokenPositions == [2, 3, 5])
        let padded = try TokenBatch(scoring: [[1, 2, 3], [4]])
        #expect(padded.sequenceRanges == [0..<3, 3..<6] && padded.lastTokenPositions == [2, 3])
        #expect(throws: EngineError.self) { try TokenBatch(packing: [[1, 2], [3]]) }
    }

    /// Length 37 runs the causal products in several row blocks; length 1 is a query with one key.
    @Test(arguments: [(4, 4), (4, 2), (2, 1)])
    func packedAttentionIsEachSequenceAlone(heads: Int, kvHeads: Int) {
        let lengths = [5, 37, 1, 12]
        let total = lengths.reduce(0, +)
        let shape = AttentionShape(
            batch: 1, length: total, heads: heads, kvHeads: kvHeads, headSize: 3, packedLengths: lengths)
        let qkv = TestBuffer(random: total * shape.rowStride, seed: 30)
        let dout = TestBuffer(random: total * shape.outputWidth, seed: 31)
        let out = TestBuffer(zeros: total * shape.outputWidth)
        let probabilities = TestBuffer(zeros: shape.probabilityCount)
        attentionForward(
            out.pointer, probabilities: probabilities.pointer, qkv: qkv.pointer, keyMask: nil, shape: shape)
        let dqkv = TestBuffer(zeros: qkv.count)
        let scratch = TestBuffer(zeros: ComputeThreads.count * 37 * 37)
        attentionBackward(
            dqkv: dqkv.pointer, dout: dout.pointer, probabilities: probabilities.pointer, qkv: qkv.pointer,
            shape: shape, scratch: scratch.pointer)
        var start = 0
        for length in lengths {
            let alone = AttentionShape(batch: 1, length: length, heads: heads, kvHeads: kvHeads, headSize: 3)
            let q = TestBuffer(Array(qkv.array[start * shape.rowStride..<(start + length) * shape.rowStride]))
            let dy = TestBuffer(Array(dout.array[start * shape.outputWidth..<(start + length) * shape.outputWidth]))
            let y = TestBuffer(zeros: length * shape.outputWidth)
            let p = TestBuffer(zeros: alone.probabilityCount)
            attentionForward(y.pointer, probabilities: p.pointer, qkv: q.pointer, keyMask: nil, shape: alone)
            let dq = TestBuffer(zeros: q.count)
            attentionBackward(
                dqkv: dq.pointer, dout: dy.pointer, probabilities: p.pointer, qkv: q.pointer, shape: alone,
                scratch: scratch.pointer)
            let packedOut = out.array[start * shape.outputWidth..<(start + length) * shape.outputWidth]
            let packedGradient = dqkv.array[start * shape.rowStride..<(start + length) * shape.rowStride]
            #expect(zip(packedOut, y.array).allSatisfy { abs($0 - $1) <= 1e-6 }, "output of length \(length)")
            #expect(zip(packedGradient, dq.array).allSatisfy { abs($0 - $1) <= 1e-5 }, "dqkv of length \(length)")
            start += length
        }
    }

    @Test func packedAttentionGradient() {
        let lengths = [3, 19, 1, 6]
        let total = lengths.reduce(0, +)
        let shape = AttentionShape(batch: 1, length: total, heads: 4, kvHeads: 2, headSize: 3, packedLengths: lengths)
        let qkv = TestBuffer(random: total * shape.rowStride, seed: 32)
        let r = TestBuffer(random: total * shape.outputWidth, seed: 33)
        let out = TestBuffer(zeros: total * shape.outputWidth)
        let probabilities = TestBuffer(zeros: shape.probabilityCount)
        func loss() -> Double {
            attentionForward(
                out.pointer, probabilities: probabilities.pointer, qkv: qkv.pointer, keyMask: nil, shape: shape)
            return projected(out, r)
        }
        _ = loss()
        let dqkv = TestBuffer(zeros: qkv.count)
        let scratch = TestBuffer(zeros: ComputeThreads.count * shape.longestSequence * shape.longestSequence)
        attentionBackward(
            dqkv: dqkv.pointer, dout: r.pointer, probabilities: probabilities.pointer, qkv: qkv.pointer,
            shape: shape, scratch: scratch.pointer)
        expectGradient("packed attention dqkv", x: qkv, analytic: dqkv.array, epsilon: 1e-3, stride: 3, loss: loss)
    }

    @Test func scatterIsTheBackwardOfGather() {
        let rows = 7, channels = 5
        let indices: [Int32] = [1, 2, 5, 6]
        let x = TestBuffer(random: rows * channels, seed: 34)
        let r = TestBuffer(random: indices.count * channels, seed: 35)
        let out = TestBuffer(zeros: indices.count * channels)
        func loss() -> Double {
            gatherRows(out.pointer, x.pointer, indices: indices, count: indices.count, channels: channels)
            return projected(out, r)
        }
        let dx = TestBuffer(random: rows * channels, seed: 36)  // scatter must overwrite every row
        scatterRows(dx.pointer, r.pointer, indices: indices, count: indices.count, rows: rows, channels: channels)
        expectGradient("gather dx", x: x, analytic: dx.array, loss: loss)
    }

    @Test(arguments: [TinyConfigs.gpt2, TinyConfigs.llama])
    func packedSequencesGetTheirOwnLogProbsAndRewards(config: ModelConfig) throws {
        let model = try TransformerModel(config: config, seed: 5, scalarHead: true)
        randomize(model.parameters, count: model.parameterCount, seed: 6)
        let padded = try TokenBatch(sequences: packedSequences, promptLengths: packedPrompts)
        let packed = try TokenBatch(packing: packedSequences, promptLengths: packedPrompts)
        try model.forward(padded, outputs: [.languageModel, .scalar])
        let paddedLogProbs = Array(model.targetLogProbs)
        let paddedValues = Array(model.scalarOutputs)
        try model.forward(packed, outputs: [.languageModel, .scalar])
        for (range, row) in zip(packed.sequenceRanges, padded.sequenceRanges) {
            for (i, j) in zip(range, row) {
                #expect(abs(model.targetLogProbs[i] - paddedLogProbs[j]) < 1e-5)
                #expect(abs(model.scalarOutputs[i] - paddedValues[j]) < 1e-5)
            }
        }
        #expect(
            zip(try model.sequenceLogProbs(packed), try model.sequenceLogProbs(padded)).allSatisfy {
                abs($0 - $1) < 1e-4
            })
        let scored = try model.rewards(try TokenBatch(packingForScoring: packedSequences))
        let alone = try model.rewards(try TokenBatch(scoring: packedSequences))
        #expect(zip(scored, alone).allSatisfy { abs($0 - $1) < 1e-5 })
    }

    @Test func targetsOnlyHeadMatchesTheFullHead() throws {
        let model = try TransformerModel(config: TinyConfigs.gpt2, seed: 7)
        randomize(model.parameters, count: model.parameterCount, seed: 8)
        let batch = try TokenBatch(packing: packedSequences, promptLengths: packedPrompts)
        var random = EngineRandom(seed: 9)
        let weights: [Float] = batch.targets.map { $0 >= 0 ? random.nextNormal() : 0 }

        model.zeroGradients()
        try model.forward(batch, outputs: .languageModel)
        let fullLogProbs = Array(model.targetLogProbs)
        let fullProbabilities = Array(model.probabilities(row: 0, position: 4))
        try model.backward(logProbGradients: weights, valueGradients: nil)
        let fullGradients = Array(UnsafeBufferPointer(start: model.gradients, count: model.parameterCount))

        model.zeroGradients()
        try model.forward(batch, outputs: [.languageModel, .targetsOnly])
        #expect(zip(model.targetLogProbs, fullLogProbs).allSatisfy { abs($0 - $1) < 1e-6 })
        #expect(zip(model.probabilities(row: 0, position: 4), fullProbabilities).allSatisfy { abs($0 - $1) < 1e-6 })
        #expect(model.targetLogProbs[0] == 0 && model.targetLogProbs[8] == 0, "no target: 0")
        try model.backward(logProbGradients: weights, valueGradients: nil)
        let gradients = UnsafeBufferPointer(start: model.gradients, count: model.parameterCount)
        for (a, b) in zip(gradients, fullGradients) { #expect(abs(a - b) <= 1e-5 + 1e-4 * abs(b)) }
    }

    /// The same loss and gradients, outputs at every position or at the targets only (the last block compacted),
    /// at a temperature other than 1.
    @Test(arguments: [false, true])
    func targetsOnlyMatchesEveryPosition(packed: Bool) throws {
        let model = try TransformerModel(config: TinyConfigs.llama, seed: 13)
        randomize(model.parameters, count: model.parameterCount, seed: 14)
        let batch =
            packed
            ? try TokenBatch(packing: packedSequences, promptLengths: packedPrompts)
            : try TokenBatch(sequences: packedSequences, promptLengths: packedPrompts)
        var random = EngineRandom(seed: 15)
        let weights: [Float] = batch.targets.map { $0 >= 0 ? random.nextNormal() : 0 }
        model.zeroGradients()
        try model.forward(batch, outputs: .languageModel, temperature: 0.8)
        let full = Array(model.targetLogProbs)
        try model.backward(logProbGradients: weights, valueGradients: nil)
        let fullGradients = Array(UnsafeBufferPointer(start: model.gradients, count: model.parameterCount))
        model.zeroGradients()
        try model.forward(batch, outputs: [.languageModel, .targetsOnly], temperature: 0.8)
        #expect(model.compactLastBlock)
        #expect(zip(model.targetLogProbs, full).allSatisfy { abs($0 - $1) < 1e-5 })
        try model.backward(logProbGradients: weights, valueGradients: nil)
        let gradients = UnsafeBufferPointer(start: model.gradients, count: model.parameterCount)
        for (a, b) in zip(gradients, fullGradients) { #expect(abs(a - b) <= 1e-5 + 1e-4 * abs(b)) }
    }

    /// Rewards and their gradients, the scalar head at every position or at the last tokens only.
    @Test(arguments: [false, true])
    func lastTokensOnlyMatchesEveryPosition(packed: Bool) throws {
        let model = try TransformerModel(config: TinyConfigs.gpt2, seed: 16, scalarHead: true)
        randomize(model.parameters, count: model.parameterCount, seed: 17)
        let batch =
            packed
            ? try TokenBatch(packingForScoring: packedSequences.map { Array($0.prefix(7)) })
            : try TokenBatch(scoring: packedSequences.map { Array($0.prefix(7)) })
        var gradients = [Float](repeating: 0, count: batch.batchSize * batch.length)
        for (k, position) in batch.lastTokenPositions.enumerated() { gradients[position] = Float(k) - 0.7 }
        model.zeroGradients()
        try model.forward(batch, outputs: .scalar)
        let rewards = batch.lastTokenPositions.map { model.scalarOutputs[$0] }
        try model.backward(logProbGradients: nil, valueGradients: gradients)
        let fullGradients = Array(UnsafeBufferPointer(start: model.gradients, count: model.parameterCount))
        model.zeroGradients()
        let compact = try model.rewards(batch)
        #expect(model.compactLastBlock)
        #expect(zip(compact, rewards).allSatisfy { abs($0 - $1) < 1e-5 })
        try model.backward(logProbGradients: nil, valueGradients: gradients)
        let compactGradients = UnsafeBufferPointer(start: model.gradients, count: model.parameterCount)
        for (a, b) in zip(compactGradients, fullGradients) { #expect(abs(a - b) <= 1e-5 + 1e-4 * abs(b)) }
    }

    /// L = Σ w·(−log p) + Σ g·value on a packed batch, for each way of choosing the output positions: the
    /// language-model head at the targets beside a scalar head everywhere (gathered), the language model at the
    /// targets alone and the scalar head at the last tokens alone (the last block compacted), with and without LoRA.
    @Test(arguments: [
        (TinyConfigs.gpt2, 0, false), (TinyConfigs.llama, 0, false), (TinyConfigs.gpt2, 1, false),
        (TinyConfigs.llama, 1, true), (TinyConfigs.gpt2, 2, false), (TinyConfigs.llama, 2, true),
    ])
    func packedWholeModelGradient(config: ModelConfig, choice: Int, lora: Bool) throws {
        let outputs: ForwardOutputs = [
            [.languageModel, .targetsOnly, .scalar], [.languageModel, .targetsOnly],
            [.scalar, .lastTokensOnly],
        ][choice]
        let model = try TransformerModel(config: config, seed: 10, scalarHead: true)
        randomize(model.parameters, count: model.parameterCount, seed: 11)
        if lora {
            let adapters = try model.attachLoRA(LoRAConfiguration(rank: 2, alpha: 4), seed: 5)
            randomize(adapters.parameters, count: adapters.count, seed: 6)
        }
        let batch = try TokenBatch(packing: packedSequences, promptLengths: packedPrompts)
        let rows = batch.length
        var random = EngineRandom(seed: 12)
        let scored = Set(batch.lastTokenPositions)
        let logProbGradients: [Float] = batch.targets.map { $0 >= 0 ? random.nextNormal() : 0 }
        let valueGradients: [Float] = (0..<rows).map {
            let value = random.nextNormal()
            return choice == 2 && !scored.contains($0) ? 0 : value
        }
        let languageModel = outputs.contains(.languageModel)
        let scalar = outputs.contains(.scalar)
        func loss() -> Double {
            try! model.forward(batch, outputs: outputs)
            var total: Double = 0
            for i in 0..<rows {
                if languageModel { total += Double(logProbGradients[i]) * Double(model.targetLogProbs[i]) }
                if scalar { total += Double(valueGradients[i]) * Double(model.scalarOutputs[i]) }
            }
            return total
        }
        model.zeroGradients()
        _ = loss()
        #expect(model.compactLastBlock == (choice != 0))
        try model.backward(
            logProbGradients: languageModel ? logProbGradients : nil, valueGradients: scalar ? valueGradients : nil)
        let parameters = lora ? model.lora!.parameters : model.parameters
        let count = lora ? model.lora!.count : model.parameterCount
        let analytic = Array(UnsafeBufferPointer(start: lora ? model.lora!.gradients : model.gradients, count: count))
        let x = TestBufferView(pointer: parameters, count: count)
        expectGradient(
            "\(config.modelType) packed, outputs \(outputs.rawValue), LoRA \(lora)", x: x.buffer, analytic: analytic,
            epsilon: 3e-3, stride: lora ? 1 : 3,
            loss: {
                x.sync()
                return loss()
            })
    }

    @Test func compactRowsMovesRowsToTheFront() {
        let matrix = TestBuffer((0..<12).map(Float.init))  // 6 rows of 2
        let indices: [Int32] = [0, 2, 5]
        compactRows(matrix.pointer, indices: indices, count: 3, channels: 2)
        #expect(Array(matrix.array[0..<6]) == [0, 1, 4, 5, 10, 11])
    }

    @Test func badPackedBatchesAreRejectedWithAReason() throws {
        let model = try TransformerModel(config: TinyConfigs.gpt2, seed: 1)
        let tooLong = try TokenBatch(packing: [[1, 2, 3], Array(repeating: 4, count: 10)])
        #expect(
            throws: EngineError.invalidBatch("packed sequence 1 has length 9, more than the context length 8")
        ) { try model.forward(tooLong) }
        var masked = try TokenBatch(packing: [[1, 2, 3], [4, 5]])
        masked.attentionMask = [1, 1, 1]
        #expect(throws: EngineError.self) { try model.forward(masked) }
        var wrongSum = try TokenBatch(packing: [[1, 2, 3], [4, 5]])
        wrongSum.packedLengths = [1, 1]
        #expect(throws: EngineError.self) { try model.forward(wrongSum) }
    }
}
