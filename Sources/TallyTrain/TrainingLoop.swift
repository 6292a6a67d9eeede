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

/// What one optimizer step did.
public struct StepReport: Equatable, Sendable {
    /// Steps done after this one (1 for the first step).
    public var step: Int
    /// The mean loss of the step's batch, before the update.
    public var loss: Float
    /// The learning rate the update used.
    public var learningRate: Float
    /// The gradient norm before clipping.
    public var gradientNorm: Float
    /// Tokens the step trained on.
    public var tokens: Int
    /// Wall-clock seconds the step took.
    public var seconds: Double

    /// The values recorded per step in the store's `trainingMetric` table.
    public var metrics: [String: Double] {
        [
            "loss": Double(loss), "lr": Double(learningRate), "grad_norm": Double(gradientNorm),
            "tokens_per_s": seconds > 0 ? Double(tokens) / seconds : 0,
        ]
    }
}

/// The skeleton every trainer shares: a model, AdamW, a learning-rate schedule, a deterministic
/// ``BatchSource`` and the step count, saved together in a ``Checkpoint`` and restored exactly, so an
/// interrupted run continues with the same batches, the same random numbers and the same losses.
///
/// A trainer supplies the loss (``trainStep(loss:)``'s closure: forward and backward on the batch, returning
/// the batch loss); ``trainLanguageModelStep()`` is the next-token one.
///
/// ```swift
/// let loop = TrainingLoop(model: model, source: windows, settings: settings, trainer: "pretrain")
/// while !loop.isFinished { print(try loop.trainLanguageModelStep().loss) }
/// let checkpoint = try loop.checkpoint(tokenizer: tokenizer)
/// ```
public final class TrainingLoop<Source: BatchSource> {
    public let model: TransformerModel
    public let optimizer: AdamW
    public let settings: OptimizationSettings
    /// The trainer's name in `trainer_state.json` (`pretrain`, `sft`, ...).
    public let trainer: String
    public private(set) var source: Source
    /// Optimizer steps taken so far.
    public private(set) var step = 0
    private let schedule: LearningRateSchedule

    /// A loop at step 0. The optimizer is made here, for the model's trainable tensors as they are now.
    public init(model: TransformerModel, source: Source, settings: OptimizationSettings, trainer: String) {
        self.model = model
        self.source = source
        self.settings = settings
        self.trainer = trainer
        optimizer = AdamW(model: model, settings: AdamWSettings(weightDecay: settings.weightDecay))
        schedule = settings.schedule
    }

    /// Whether every step of the run is done.
    public var isFinished: Bool { step >= settings.steps }

    /// Restores the optimizer, the step and the data source from a checkpoint saved by ``checkpoint(tokenizer:strings:)``
    /// (the model must already hold the checkpoint's weights, e.g. from `checkpoint.makeModel()`).
    public func restore(from checkpoint: Checkpoint) throws {
        guard let state = checkpoint.trainerState else {
            throw TrainingError("\(checkpoint.path(of: Checkpoint.FileName.trainerState)) is missing; it cannot resume")
        }
        guard state.trainer == trainer else {
            throw TrainingError(
                "\(checkpoint.path(of: Checkpoint.FileName.trainerState)) was written by the \(state.trainer) "
                    + "trainer, not \(trainer)")
        }
        try checkpoint.restore(optimizer)
        try source.restore(randomState: state.rngState, cursor: state.dataCursor)
        step = state.step
    }

    /// One step of next-token training on the source's next batch.
    @discardableResult
    public func trainLanguageModelStep() throws -> StepReport {
        try trainStep { model, batch in try model.trainLanguageModel(batch) }
    }

    /// One optimizer step: zero the gradients, `loss` (forward and backward on the next batch), clip, update.
    /// Throws when the loss is not finite (the weights are left as they were before the update).
    @discardableResult
    public func trainStep(loss: (TransformerModel, TokenBatch) throws -> Float) throws -> StepReport {
        let start = DispatchTime.now()
        let batch = try source.nextBatch()
        model.zeroGradients()
        let value = try loss(model, batch)
        guard value.isFinite else {
            throw TrainingError(
                "the loss became \(value) at step \(step + 1); lower --lr (now \(settings.peakLearningRate)) "
                    + "or raise --warmup, and start over with --fresh")
        }
        let norm =
            settings.gradientClip > 0
            ? optimizer.clipGradients(maxNorm: settings.gradientClip) : optimizer.gradientNorm()
        let rate = schedule.rate(at: step)
        optimizer.step(learningRate: rate)
        step += 1
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
        let tokens = batch.targets.reduce(0) { $0 + ($1 >= 0 ? 1 : 0) }
        return StepReport(
            step: step, loss: value, learningRate: rate, gradientNorm: norm, tokens: tokens, seconds: seconds)
    }

    /// A checkpoint of the model, the optimizer and where training stands (step, the source's random state and
    /// cursor, and `strings` for the trainer's own bookkeeping).
    public func checkpoint(tokenizer: BPETokenizer, strings: [String: String] = [:]) throws -> Checkpoint {
        let state = TrainerState(
            trainer: trainer, step: step, rngState: source.randomState, dataCursor: source.cursor,
            values: ["learning_rate": Double(schedule.rate(at: step))], strings: strings)
        return try Checkpoint(model: model, tokenizer: tokenizer, optimizer: optimizer, trainerState: state)
    }
}
