import Foundation
import TallyEngine

/// Building reward models from language-model checkpoints.
public enum RewardHead {
    /// The checkpoint's model with a fresh scalar head `score.weight` [1, C] drawn from `seed` (a reward model
    /// starting from a language model); a checkpoint that has a head keeps it.
    public static func model(from checkpoint: Checkpoint, seed: UInt64) throws -> TransformerModel {
        try checkpoint.makeModel(freshScalarHeadSeed: seed)
    }

    /// The normalisation bias stored with a reward model's checkpoint (0 when it has none).
    public static func bias(of checkpoint: Checkpoint) -> Double {
        checkpoint.metadata[RewardModelTrainer.biasKey].flatMap(Double.init) ?? 0
    }
}
