import Foundation
import TallyEngine

/// The settings the shared training session applies to every trainer: optimisation, batch and micro-batch
/// sizes, evaluation and save cadence, and the seed of the data order.
public struct SessionSettings: Codable, Equatable, Sendable {
    /// Steps, learning rate schedule, weight decay, clipping.
    public var optimization: OptimizationSettings
    /// Examples per optimizer step.
    public var batchSize: Int
    /// Examples per forward/backward pass; a step accumulates gradients over ⌈batch / micro⌉ passes.
    public var microBatchSize: Int
    /// Run the validation pass every this many steps (and at the end); 0: only at the end.
    public var evalEvery: Int
    /// Save a resumable checkpoint every this many steps (and on interruption and at the end); 0: never between.
    public var saveEvery: Int
    /// Seeds the data order (and the trainer's own random draws).
    public var seed: UInt64

    public init(
        optimization: OptimizationSettings, batchSize: Int, microBatchSize: Int? = nil, evalEvery: Int = 0,
        saveEvery: Int = 0, seed: UInt64 = 1
    ) {
        self.optimization = optimization
        self.batchSize = batchSize
        self.microBatchSize = min(microBatchSize ?? batchSize, batchSize)
        self.evalEvery = evalEvery
        self.saveEvery = saveEvery
        self.seed = seed
    }

    /// Optimizer steps for `epochs` passes over `examples` examples in batches of `batchSize`.
    public static func steps(epochs: Double, examples: Int, batchSize: Int) -> Int {
        max(1, Int((epochs * Double(examples) / Double(max(1, batchSize))).rounded(.up)))
    }

    /// Throws a ``TrainingError`` naming the first setting that cannot train.
    public func validate() throws {
        try optimization.validate()
        if batchSize <= 0 { throw TrainingError("--batch must be positive, got \(batchSize)") }
        if microBatchSize <= 0 { throw TrainingError("--micro-batch must be positive, got \(microBatchSize)") }
        if evalEvery < 0 { throw TrainingError("--eval-every must be ≥ 0, got \(evalEvery)") }
        if saveEvery < 0 { throw TrainingError("--save-every must be ≥ 0, got \(saveEvery)") }
    }
}

/// What one optimizer step of a session did, for the progress line.
public struct SessionStep: Sendable {
    /// Steps done (1 for the first).
    public var step: Int
    public var totalSteps: Int
    /// Epochs done, fractional.
    public var epoch: Double
    /// The step's metrics (weighted means over its micro-batches), with `lr` and `grad_norm`.
    public var metrics: [String: Double]
    /// Tokens and sequences the step's forward passes read.
    public var tokens: Int
    public var sequences: Int
    /// Wall-clock seconds the step took.
    public var seconds: Double

    /// The step's mean loss.
    public var loss: Double { metrics["loss"] ?? .nan }
}
