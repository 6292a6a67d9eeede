import Foundation
import Testing

@testable import TallyEngine

/// Small shapes for both families: every code path, tiny enough for finite differences in a debug build.
enum TinyConfigs {
    static let gpt2 = ModelConfig.gpt2(vocabularySize: 11, contextLength: 8, layers: 2, heads: 2, width: 8)
    static let llama = ModelConfig.llama(
        vocabularySize: 13, contextLength: 8, layers: 2, heads: 4, kvHeads: 2,
        width: 8, intermediateSize: 12)
}

/// Two right-padded sequences with prompts: the loss covers completion tokens only.
func paddedBatch() throws -> TokenBatch {
    try TokenBatch(sequences: [[1, 2, 3, 4, 5, 6], [7, 8, 9, 10]], promptLengths: [2, 1], length: 5)
}

/// Gives every parameter a sizeable random value so finite differences see real curvature.
func randomize(_ pointer: UnsafeMutablePointer<Float>, count: Int, seed: UInt64, scale: Float = 0.5) {
    var random = EngineRandom(seed: seed)
    for i in 0..<count { pointer[i] = scale * random.nextNormal() }
}

@Suite struct ModelTests {
    /// L = Σ w·(−log p) + Σ g·value with fixed random w (zero off-target) and g.
    func checkWholeModel(_ config: ModelConfig, scalarHead: Bool, lora: Bool) throws {
        let model = try TransformerModel(config: config, seed: 3, scalarHead: scalarHead)
        randomize(model.parameters, count: model.parameterCount, seed: 4)
        if lora {
            let adapters = try model.attachLoRA(LoRAConfiguration(rank: 2, alpha: 4), seed: 5)
            randomize(adapters.parameters, count: adapters.count, seed: 6)
        }
        let batch = try paddedBatch()
        let rows = batch.batchSize * batch.length
        var random = EngineRandom(seed: 7)
        let logProbGradients: [Float] = (0..<rows).map { batch.targets[$0] >= 0 ? random.nextNormal() : 0 }
        let valueGradients: [Float] = (0..<rows).map { _ in random.nextNormal() }
        let outputs: ForwardOutputs = scalarHead ? [.languageModel, .scalar] : .languageModel
        func loss() -> Double {
            try! model.forward(batch, outputs: outputs)
            var total: Double = 0
            for i in 0..<rows { total += Double(logProbGradients[i]) * Double(model.targetLogProbs[i]) }
            if scalarHead {
                for i in 0..<rows { total += Double(valueGradients[i]) * Double(model.scalarOutputs[i]) }
            }
            return total
        }
        model.zeroGradients()
        _ = loss()
        try model.backward(logProbGradients: logProbGradients, valueGradients: scalarHead ? valueGradients : nil)
        if let adapters = model.lora {
            let x = TestBufferView(pointer: adapters.parameters, count: adapters.count)
            expectGradient(
                "\(config.modelType) LoRA", x: x.buffer,
                analytic: Array(
                    UnsafeBufferPointer(start: adapters.gradients, count: adapters.count)),
                loss: {
                    x.sync(); return loss()
                })
            let base = Array(UnsafeBufferPointer(start: model.gradients, count: model.parameterCount))
            #expect(base.allSatisfy { $0 == 0 }, "frozen base weights get no gradient")
        } else {
            let x = TestBufferView(pointer: model.parameters, count: model.parameterCount)
            expectGradient(
                "\(config.modelType) parameters", x: x.buffer,
                analytic: Array(
                    UnsafeBufferPointer(start: model.gradients, count: model.parameterCount)),
                epsilon: 3e-3, stride: 3,
                loss: {
                    x.sync(); return loss()
                })
        }
    }

    @Test func gpt2WholeModelGradient() throws { try checkWholeModel(TinyConfigs.gpt2, scalarHead: true, lora: false) }
    @Test func llamaWholeModelGradient() throws {
        try checkWholeModel(TinyConfigs.llama, scalarHead: true, lora: false)
    }
    @Test func gpt2LoRAGradient() throws { try checkWholeModel(TinyConfigs.gpt2, scalarHead: false, lora: true) }
    @Test func llamaLoRAGradient() throws { try checkWholeModel(TinyConfigs.llama, scalarHead: false, lora: true) }

    @Test(arguments: [
        ModelConfig.gpt2(vocabularySize: 11, contextLength: 16, layers: 2, heads: 2, width: 16),
        ModelConfig.llama(
            vocabularySize: 11, contextLength: 16, layers: 2, heads: 4, kvHeads: 2, width: 16,
            intermediateSize: 32),
    ])
    func overfitsOneBatch(config: ModelConfig) throws {
        let model = try TransformerModel(config: config, seed: 1)
        let optimizer = AdamW(model: model, settings: AdamWSettings(weightDecay: 0))
        // No repeated token at the start: without absolute positions (Llama), "2 2" and "2" look alike.
        let batch = try TokenBatch(sequences: [[1, 5, 2, 7, 3, 9, 4, 1, 6], [2, 4, 8, 1, 5, 3, 3, 10, 0]])
        var first: Float = 0
        var last: Float = 0
        for step in 0..<120 {
            model.zeroGradients()
            let loss = try model.trainLanguageModel(batch)
            if step == 0 { first = loss }
            last = loss
            optimizer.clipGradients(maxNorm: 1)
            optimizer.step(learningRate: 3e-2)
        }
        #expect(first > 2)
        #expect(last < 0.05, "loss went from \(first) to \(last)")
    }

    @Test func promptAndPaddingAreOutsideTheLoss() throws {
        let model = try TransformerModel(config: TinyConfigs.gpt2, seed: 2)
        let batch = try paddedBatch()
        #expect(batch.targets == [-1, 3, 4, 5, 6, 8, 9, 10, -1, -1])
        try model.forward(batch)
        let values = Array(model.targetLogProbs)
        #expect(values[0] == 0 && values[8] == 0 && values[9] == 0)
        // Changing a padding token changes no real position's log-probability.
        var padded = batch
        padded.tokens[9] = 3
        try model.forward(padded)
        #expect(Array(model.targetLogProbs)[0..<8] == values[0..<8])
    }

    @Test func sameSeedSameTraining() throws {
        func train() throws -> [Float] {
            let model = try TransformerModel(config: TinyConfigs.llama, seed: 9)
            let optimizer = AdamW(model: model)
            let batch = try paddedBatch()
            for _ in 0..<3 {
                model.zeroGradients()
                try model.trainLanguageModel(batch)
                optimizer.step(learningRate: 1e-3)
            }
            return Array(UnsafeBufferPointer(start: model.parameters, count: model.parameterCount))
        }
        #expect(try train() == train())
        let a = try TransformerModel(config: TinyConfigs.gpt2, seed: 1)
        let b = try TransformerModel(config: TinyConfigs.gpt2, seed: 2)
        #expect(a.parameters[0] != b.parameters[0])
    }

    @Test func frozenGroupsGetNoGradient() throws {
        let model = try TransformerModel(config: TinyConfigs.gpt2, seed: 1)
        model.frozenGroups = [.embeddings, .layer(0)]
        model.zeroGradients()
        try model.trainLanguageModel(try paddedBatch())
        for slot in model.parameterSlots {
            let grads = UnsafeBufferPointer(start: model.gradients + slot.offset, count: slot.count)
            let nonzero = grads.contains { $0 != 0 }
            #expect(nonzero == !model.frozenGroups.contains(slot.group), "\(slot.name)")
        }
        #expect(!model.trainableTensors.contains { $0.name == "wte" || $0.name.hasPrefix("h.0.") })
    }

    @Test func loraStartsAsIdentitySwitchesOffAndMerges() throws {
        let model = try TransformerModel(config: TinyConfigs.llama, seed: 1)
        let batch = try paddedBatch()
        try model.forward(batch)
        let base = Array(model.targetLogProbs)
        let adapters = try model.attachLoRA(LoRAConfiguration(rank: 2, alpha: 8), seed: 2)
        try model.forward(batch)
        #expect(Array(model.targetLogProbs) == base, "B starts at zero")
        randomize(adapters.parameters, count: adapters.count, seed: 3, scale: 0.3)
        try model.forward(batch)
        let adapted = Array(model.targetLogProbs)
        #expect(adapted != base)
        adapters.enabled = false
        try model.forward(batch)
        #expect(Array(model.targetLogProbs) == base, "adapters off is the reference model")
        adapters.enabled = true
        // Saved and loaded adapters reproduce the adapted model.
        let saved = Dictionary(uniqueKeysWithValues: adapters.tensors().map { ($0.name, $0) })
        let other = try model.copy()
        try other.attachLoRA(LoRAConfiguration(rank: 2, alpha: 8), seed: 9).load(saved)
        try other.forward(batch)
        #expect(Array(other.targetLogProbs) == adapted)
        model.mergeLoRA()
        #expect(model.lora == nil && model.frozenGroups.isEmpty)
        try model.forward(batch)
        for (x, y) in zip(model.targetLogProbs, adapted) { #expect(abs(x - y) < 1e-4) }
    }

    @Test func rewardIsReadAtTheLastRealToken() throws {
        let model = try TransformerModel(config: TinyConfigs.gpt2, seed: 1, scalarHead: true)
        let batch = try paddedBatch()
        #expect(batch.lastTokenIndices == [4, 2])
        let rewards = try model.rewards(batch)
        let values = Array(model.scalarOutputs)
        #expect(rewards == [values[4], values[5 + 2]])
        // Alone, without padding, the second sequence scores the same.
        let single = try model.rewards(try TokenBatch(sequences: [[7, 8, 9, 10]]))
        #expect(abs(single[0] - rewards[1]) < 1e-5)
        // Scoring batches feed every token: the score is read at each sequence's own last token.
        let scoring = try TokenBatch(scoring: [[1, 2, 3], [4, 5, 6, 7, 8]])
        #expect(scoring.lastTokenIndices == [2, 4] && scoring.targets.allSatisfy { $0 == -1 })
        let scored = try model.rewards(scoring)
        let alone = try model.rewards(try TokenBatch(scoring: [[1, 2, 3]]))
        #expect(abs(scored[0] - alone[0]) < 1e-5)
    }

    @Test func sequenceLogProbsSumTheCompletion() throws {
        let model = try TransformerModel(config: TinyConfigs.gpt2, seed: 1)
        let batch = try paddedBatch()
        let sums = try model.sequenceLogProbs(batch)
        let values = Array(model.targetLogProbs)
        #expect(abs(sums[0] - values[0..<5].reduce(0, +)) < 1e-5)
        #expect(sums.allSatisfy { $0 < 0 })
    }

    @Test func badBatchesAreRejectedWithAReason() throws {
        let model = try TransformerModel(config: TinyConfigs.gpt2, seed: 1)
        #expect(throws: EngineError.invalidBatch("token 99 at index 1 is outside the vocabulary (0..<11)")) {
            try model.forward(TokenBatch(batchSize: 1, length: 2, tokens: [1, 99], targets: [-1, -1]))
        }
        #expect(throws: EngineError.self) {
            try model.forward(
                TokenBatch(
                    batchSize: 1, length: 9, tokens: Array(repeating: 1, count: 9),
                    targets: Array(repeating: 1, count: 9)))
        }
    }
}

/// Exposes a model-owned buffer to ``expectGradient``: edits go to a copy, `sync` writes them back.
final class TestBufferView {
    let target: UnsafeMutablePointer<Float>
    let buffer: TestBuffer
    init(pointer: UnsafeMutablePointer<Float>, count: Int) {
        target = pointer
        buffer = TestBuffer(Array(UnsafeBufferPointer(start: pointer, count: count)))
    }
    func sync() { target.update(from: buffer.pointer, count: buffer.count) }
}
