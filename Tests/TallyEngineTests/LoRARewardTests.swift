import Foundation
import Testing

@testable import TallyEngine

/// A reward model's Bradley–Terry loss over pairs (row 2i chosen, row 2i+1 rejected), scores read at each row's
/// last real token: L = Σ −log σ(r_chosen − r_rejected). Returns the loss and ∂L/∂(scalar head) per position.
func bradleyTerry(_ rewards: [Float], batch: TokenBatch) -> (loss: Double, valueGradients: [Float]) {
    var loss: Double = 0
    var gradients = [Float](repeating: 0, count: batch.batchSize * batch.length)
    let last = batch.lastTokenIndices
    for pair in 0..<(batch.batchSize / 2) {
        let margin = Double(rewards[2 * pair]) - Double(rewards[2 * pair + 1])
        loss += log(1 + exp(-margin))
        let slope = Float(1 / (1 + exp(margin)))  // −∂L/∂margin
        gradients[2 * pair * batch.length + last[2 * pair]] = -slope
        gradients[(2 * pair + 1) * batch.length + last[2 * pair + 1]] = slope
    }
    return (loss, gradients)
}

/// Four sequences of different lengths for scoring: two preference pairs.
func rewardPairs(padding: TokenBatch.Padding) throws -> TokenBatch {
    try TokenBatch(scoring: [[1, 2, 3, 4, 5], [1, 2, 6], [7, 8, 9, 10, 2, 3], [7, 8, 4, 5]], padding: padding)
}

@Suite struct LoRARewardTests {
    /// Finite differences of a reward loss through a model with LoRA attached and a scalar head: the adapters
    /// and `score.weight` both get exact gradients, every other base tensor none.
    func checkRewardGradients(_ config: ModelConfig, padding: TokenBatch.Padding) throws {
        let model = try TransformerModel(config: config, seed: 3, scalarHead: true)
        randomize(model.parameters, count: model.parameterCount, seed: 4)
        let adapters = try model.attachLoRA(LoRAConfiguration(rank: 2, alpha: 4), seed: 5)
        randomize(adapters.parameters, count: adapters.count, seed: 6)
        #expect(!model.frozenGroups.contains(.scalarHead))
        let trainable = model.trainableTensors.map(\.name)
        #expect(trainable.first == "score.weight" && trainable.count == 1 + adapters.slots.count)

        let batch = try rewardPairs(padding: padding)
        func loss() -> Double { bradleyTerry(try! model.rewards(batch), batch: batch).loss }
        model.zeroGradients()
        let valueGradients = bradleyTerry(try model.rewards(batch), batch: batch).valueGradients
        try model.backward(logProbGradients: nil, valueGradients: valueGradients)

        let x = TestBufferView(pointer: adapters.parameters, count: adapters.count)
        expectGradient(
            "\(config.modelType) LoRA under a reward loss", x: x.buffer,
            analytic: Array(UnsafeBufferPointer(start: adapters.gradients, count: adapters.count)),
            epsilon: 3e-3,  // −log σ curves enough that ε = 1e-2 is off by ε² on a few elements
            loss: {
                x.sync(); return loss()
            })
        let head = try #require(model.parameterSlots.first { $0.name == "score.weight" })
        let headView = TestBufferView(pointer: model.parameters + head.offset, count: head.count)
        expectGradient(
            "\(config.modelType) score.weight", x: headView.buffer,
            analytic: Array(UnsafeBufferPointer(start: model.gradients + head.offset, count: head.count)),
            loss: {
                headView.sync(); return loss()
            })
        let headGradient = UnsafeBufferPointer(start: model.gradients + head.offset, count: head.count)
        #expect(headGradient.contains { $0 != 0 })
        for slot in model.parameterSlots where slot.group != .scalarHead {
            let gradient = UnsafeBufferPointer(start: model.gradients + slot.offset, count: slot.count)
            #expect(gradient.allSatisfy { $0 == 0 }, "frozen \(slot.name) gets no gradient")
        }
    }

    @Test func gpt2RewardGradientWithLoRAAndScalarHead() throws {
        try checkRewardGradients(TinyConfigs.gpt2, padding: .right)
    }

    @Test func llamaRewardGradientWithLoRAAndScalarHeadLeftPadded() throws {
        try checkRewardGradients(TinyConfigs.llama, padding: .left)
    }

    /// Each sequence's log-probabilities in a padded batch, left or right, equal those it gets alone. With left
    /// padding the real tokens come after the padding, so this fails if attention lets them see the padding
    /// (checked below by running the same batch with the key mask switched off) or if positions do not start
    /// at the first real token.
    @Test(arguments: [TinyConfigs.gpt2, TinyConfigs.llama])
    func paddedBatchesMatchEachSequenceAlone(config: ModelConfig) throws {
        let model = try TransformerModel(config: config, seed: 3)
        randomize(model.parameters, count: model.parameterCount, seed: 8)
        let sequences: [[Int32]] = [[1, 2, 3, 4, 5, 6], [7, 8, 9], [10, 3, 5, 2]]
        let prompts = [2, 1, 1]
        var alone: [[Float]] = []
        var aloneSums: [Float] = []
        for (sequence, prompt) in zip(sequences, prompts) {
            let batch = try TokenBatch(sequences: [sequence], promptLengths: [prompt])
            aloneSums.append(try model.sequenceLogProbs(batch)[0])
            alone.append(Array(model.targetLogProbs))
        }
        for padding in [TokenBatch.Padding.right, .left] {
            let batch = try TokenBatch(
                sequences: sequences, promptLengths: prompts, length: 7, padToken: 4, padding: padding)
            let sums = try model.sequenceLogProbs(batch)
            let values = Array(model.targetLogProbs)
            for row in 0..<sequences.count {
                #expect(abs(sums[row] - aloneSums[row]) < 1e-5, "\(config.modelType) \(padding) row \(row)")
                let count = sequences[row].count - 1
                let start = row * batch.length + (padding == .left ? batch.length - count : 0)
                for t in 0..<count {
                    #expect(abs(values[start + t] - alone[row][t]) < 1e-5, "\(padding) row \(row) position \(t)")
                }
            }
            if padding == .left {
                // The same batch with attention allowed onto the padding: real tokens see it, and the sums move.
                let s = model.activationLayout(for: batch)
                model.loadInputs(batch, layout: s)
                model.maskHasPadding = false
                model.forwardPass(layout: s, outputs: .languageModel)
                let unmasked = Array(model.targetLogProbs)
                let moved = (0..<(batch.batchSize * batch.length)).map { abs(unmasked[$0] - values[$0]) }.max() ?? 0
                #expect(moved > 1e-3, "left padding must be masked for this test to mean anything")
            }
        }
        // Rewards too: read at each row's last real token, wherever the padding is.
        let scorer = try TransformerModel(config: config, seed: 3, scalarHead: true)
        randomize(scorer.parameters, count: scorer.parameterCount, seed: 8)
        let scoring = sequences.map { Array($0.dropLast()) }
        let each = try scoring.map { try scorer.rewards(try TokenBatch(scoring: [$0]))[0] }
        for padding in [TokenBatch.Padding.right, .left] {
            let rewards = try scorer.rewards(try TokenBatch(scoring: scoring, length: 7, padToken: 4, padding: padding))
            for (a, b) in zip(rewards, each) { #expect(abs(a - b) < 1e-5, "\(config.modelType) \(padding) reward") }
        }
    }

    @Test func leftPaddedBatchLayout() throws {
        let batch = try TokenBatch(
            sequences: [[5, 6, 7, 8], [9, 10]], promptLengths: [2, 1], padToken: 0, padding: .left)
        #expect(batch.tokens == [5, 6, 7, 0, 0, 9])
        #expect(batch.targets == [-1, 7, 8, -1, -1, 10])
        #expect(batch.attentionMask == [1, 1, 1, 0, 0, 1])
        #expect(batch.lastTokenIndices == [2, 2])
        let scoring = try TokenBatch(scoring: [[1, 2, 3], [4]], padToken: 9, padding: .left)
        #expect(scoring.tokens == [1, 2, 3, 9, 9, 4] && scoring.lastTokenIndices == [2, 2])
    }
}
