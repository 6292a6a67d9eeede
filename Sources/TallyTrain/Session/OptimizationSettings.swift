import Foundation
import TallyEngine

/// The optimisation settings every trainer shares: AdamW with linear warmup and cosine decay, and global
/// gradient-norm clipping.
public struct OptimizationSettings: Codable, Equatable, Sendable {
    /// Optimizer steps in the whole run.
    public var steps: Int
    /// The learning rate reached at the end of warmup.
    public var peakLearningRate: Float
    /// The learning rate the cosine decays to at the last step.
    public var minimumLearningRate: Float
    /// Steps of linear warmup.
    public var warmupSteps: Int
    /// AdamW's decoupled weight decay on matrices.
    public var weightDecay: Float
    /// Gradients are scaled so their global L2 norm is at most this; 0 turns clipping off.
    public var gradientClip: Float

    public init(
        steps: Int, peakLearningRate: Float, minimumLearningRate: Float? = nil, warmupSteps: Int? = nil,
        weightDecay: Float = 0.1, gradientClip: Float = 1
    ) {
        self.steps = steps
        self.peakLearningRate = peakLearningRate
        self.minimumLearningRate = minimumLearningRate ?? peakLearningRate / 10
        self.warmupSteps = warmupSteps ?? min(100, steps / 10)
        self.weightDecay = weightDecay
        self.gradientClip = gradientClip
    }

    /// Throws a ``TrainingError`` naming the first setting that cannot train.
    public func validate() throws {
        if steps <= 0 { throw TrainingError("--steps must be positive, got \(steps)") }
        if !(peakLearningRate > 0) || !peakLearningRate.isFinite {
            throw TrainingError("--lr must be a positive number, got \(peakLearningRate)")
        }
        if !(minimumLearningRate >= 0) || minimumLearningRate > peakLearningRate {
            throw TrainingError("--min-lr must be between 0 and --lr (\(peakLearningRate)), got \(minimumLearningRate)")
        }
        if warmupSteps < 0 { throw TrainingError("--warmup must be ≥ 0, got \(warmupSteps)") }
        if !(weightDecay >= 0) { throw TrainingError("--weight-decay must be ≥ 0, got \(weightDecay)") }
        if !(gradientClip >= 0) { throw TrainingError("--clip must be ≥ 0, got \(gradientClip)") }
    }

    /// The learning rate schedule these settings describe.
    public var schedule: LearningRateSchedule {
        LearningRateSchedule(
            peak: peakLearningRate, warmupSteps: warmupSteps, totalSteps: steps, minimum: minimumLearningRate)
    }
}
