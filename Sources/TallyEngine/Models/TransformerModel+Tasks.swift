import Foundation

/// One tensor the optimizer updates: parameters and gradients of `count` floats.
public struct TrainableTensor {
    /// The tensor's name (``ParameterSlot/name`` or a LoRA slot name).
    public var name: String
    /// Its values, inside the model's (or the adapters') flat buffer.
    public var parameters: UnsafeMutablePointer<Float>
    /// Its gradients, same layout.
    public var gradients: UnsafeMutablePointer<Float>
    /// Number of floats.
    public var count: Int
    /// Whether AdamW applies weight decay to it.
    public var decays: Bool
}

extension TransformerModel {
    /// The tensors training updates: every base tensor whose group is not frozen, then the LoRA adapters
    /// (when attached and enabled).
    public var trainableTensors: [TrainableTensor] {
        var result: [TrainableTensor] = []
        for slot in layout.slots where !frozenGroups.contains(slot.group) {
            result.append(
                TrainableTensor(
                    name: slot.name, parameters: parameters + slot.offset,
                    gradients: gradients + slot.offset, count: slot.count, decays: slot.decays))
        }
        if let lora = activeLoRA {
            for slot in lora.slots {
                result.append(
                    TrainableTensor(
                        name: slot.name, parameters: lora.parameters + slot.offset,
                        gradients: lora.gradients + slot.offset, count: slot.count,
                        decays: slot.decays))
            }
        }
        return result
    }

    /// Number of positions in `batch` that have a target.
    static func targetCount(_ batch: TokenBatch) -> Int { batch.targets.reduce(0) { $0 + ($1 >= 0 ? 1 : 0) } }

    /// The mean negative log-likelihood of the batch's targets (prompt and padding excluded), forward only.
    public func languageModelLoss(_ batch: TokenBatch) throws -> Float {
        try forward(batch, outputs: [.languageModel, .targetsOnly])
        let count = max(1, Self.targetCount(batch))
        return -targetLogProbs.reduce(0, +) / Float(count)
    }

    /// Forward and backward for the language-model loss: adds to the gradients the gradient of
    /// `lossScale` × (summed negative log-likelihood over the batch's targets) / `normalizer`, and returns the
    /// mean negative log-likelihood of this batch. `normalizer` defaults to this batch's target count; pass
    /// the whole step's target count when accumulating gradients over several micro-batches.
    @discardableResult
    public func trainLanguageModel(_ batch: TokenBatch, normalizer: Int? = nil, lossScale: Float = 1) throws -> Float {
        try forward(batch, outputs: [.languageModel, .targetsOnly])
        let s = shape!
        let rows = batch.batchSize * batch.length
        let count = Self.targetCount(batch)
        let weight = lossScale / Float(max(1, normalizer ?? count))
        // ∂L/∂(−log p) straight into the arena: no allocation in a training step.
        let weights = activation(s.logProbWeights)
        let targets = targetsPointer
        for i in 0..<rows { weights[i] = targets[i] >= 0 ? weight : 0 }
        let loss = -sum(activation(s.targetLogProbs), rows) / Float(max(1, count))
        backwardPass(layout: s, languageModel: true, scalar: false)
        lastOutputs = nil
        return loss
    }

    /// Σ log p(target) per sequence over its targets (a completion's log-likelihood given its prompt, as DPO
    /// needs it), forward only; one value per row, or per packed sequence.
    public func sequenceLogProbs(_ batch: TokenBatch) throws -> [Float] {
        try forward(batch, outputs: [.languageModel, .targetsOnly])
        let values = targetLogProbs
        return batch.sequenceRanges.map { range in
            var total: Float = 0
            for i in range { total += values[i] }
            return total
        }
    }

    /// The scalar head at each sequence's last real token (a reward model's score), forward only.
    public func rewards(_ batch: TokenBatch) throws -> [Float] {
        try forward(batch, outputs: [.scalar, .lastTokensOnly])
        let values = scalarOutputs
        return batch.lastTokenPositions.map { values[$0] }
    }
}

extension TransformerModel {
    /// An independent copy of the weights (not the adapters, gradients or activations): a frozen reference
    /// model for DPO or PPO when LoRA is not used.
    public func copy() throws -> TransformerModel {
        let twin = try TransformerModel(config: config, seed: 0, scalarHead: hasScalarHead)
        twin.parameters.update(from: parameters, count: parameterCount)
        twin.frozenGroups = frozenGroups
        return twin
    }
}
