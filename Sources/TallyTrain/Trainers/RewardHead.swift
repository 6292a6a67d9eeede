import Foundation
import TallyEngine

/// Building reward models from language-model checkpoints.
public enum RewardHead {
    /// The checkpoint's model with a fresh scalar head `score.weight` [1, C], drawn N(0, 1/(C+1)) from `seed`
    /// (the checkpoint's own head, if it has one, is replaced). The language-model head stays (tied to the
    /// embeddings in GPT-2), unused by the reward.
    public static func model(from checkpoint: Checkpoint, seed: UInt64) throws -> TransformerModel {
        let config = try checkpoint.modelConfig()
        let model = try TransformerModel(config: config, seed: seed, scalarHead: true)
        var tensors = checkpoint.modelTensorsByName
        var random = EngineRandom(seed: seed &+ 0x9E37_79B9)
        let std = 1 / Float(config.width + 1).squareRoot()
        tensors["score.weight"] = TensorEntry(
            name: "score.weight", shape: [1, config.width], values: (0..<config.width).map { _ in std * random.nextNormal() })
        do {
            try model.loadHuggingFaceTensors(tensors)
        } catch let error as EngineError {
            throw CheckpointError(path: checkpoint.path(of: Checkpoint.FileName.model), problem: error.description)
        }
        return model
    }

    /// The normalisation bias stored with a reward model's checkpoint (0 when it has none).
    public static func bias(of checkpoint: Checkpoint) -> Double {
        checkpoint.metadata[RewardModelTrainer.biasKey].flatMap(Double.init) ?? 0
    }
}
