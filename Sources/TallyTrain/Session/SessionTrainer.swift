import Foundation
import TallyEngine
import TallyStore

/// Sums of a step's metrics over its micro-batches: each metric is a weighted sum and its weight, so the
/// session reports the weighted mean whatever the micro-batch size.
public struct MetricSums: Sendable {
    /// name → (Σ weight·value, Σ weight).
    public private(set) var entries: [String: (sum: Double, weight: Double)] = [:]
    /// Tokens the forward passes read (for tokens/s).
    public var tokens = 0
    /// Sequences the forward passes read (for sequences/s; a pair counts as two).
    public var sequences = 0

    public init() {}

    /// Adds `value` with `weight` (e.g. a micro-batch's mean loss weighted by its target tokens).
    public mutating func add(_ name: String, _ value: Double, weight: Double = 1) {
        let old = entries[name] ?? (0, 0)
        entries[name] = (old.sum + value * weight, old.weight + weight)
    }

    /// Adds every entry and count of `other`.
    public mutating func merge(_ other: MetricSums) {
        for (name, entry) in other.entries {
            let old = entries[name] ?? (0, 0)
            entries[name] = (old.sum + entry.sum, old.weight + entry.weight)
        }
        tokens += other.tokens
        sequences += other.sequences
    }

    /// Each metric's weighted mean.
    public var means: [String: Double] {
        entries.reduce(into: [:]) { result, entry in
            result[entry.key] = entry.value.weight > 0 ? entry.value.sum / entry.value.weight : 0
        }
    }
}

/// What one trainer (SFT, reward model, DPO, …) supplies to the shared ``TrainingSession``: its examples, its
/// loss (forward and backward on a micro-batch), its validation pass and the metrics it reports. The session
/// does everything else once: the run row, data order, micro-batching, the optimizer and schedule, evaluation
/// cadence, progress, atomic checkpoints, resuming and registration.
public protocol SessionTrainer: AnyObject {
    /// The run's kind (also the trainer's name in `trainer_state.json`).
    var kind: TrainingKind { get }
    /// The model the optimizer updates (its trainable tensors: every unfrozen group, plus LoRA adapters).
    var model: TransformerModel { get }
    /// The tokenizer saved with every checkpoint.
    var tokenizer: BPETokenizer { get }
    /// Training examples in one epoch.
    var trainExampleCount: Int { get }
    /// The metric shown beside the loss in the progress line (`accuracy` for a reward model), if any.
    var keyMetric: String? { get }

    /// Example `index`'s share of a step's loss normaliser: its trained tokens for a per-token loss, 1 for a
    /// per-example loss. The session sums it over the step's examples.
    func normalizerWeight(of index: Int) -> Double

    /// Forward and backward on the examples `indices`: adds to the gradients the gradient of
    /// (Σ over these examples of the example's loss) / `normalizer`, and returns the metrics' sums (a `loss`
    /// entry among them). Called once per micro-batch; gradients accumulate over a step's micro-batches.
    func accumulate(examples indices: [Int], normalizer: Double) throws -> MetricSums

    /// The validation pass on the held-out examples (forward only): metric name → value, recorded as
    /// `eval/NAME`. Empty when there is nothing held out.
    func evaluate() throws -> [String: Double]

    /// Called once when every step is done, before the final save: metadata to store with the checkpoint
    /// (a reward model's normalisation bias, say).
    func finalMetadata() throws -> [String: String]

    /// The examples of the next step when the trainer draws them itself (pretraining's windows at random
    /// offsets, RL's rollouts), from the session's random numbers, which are saved and restored with the run; nil
    /// (the default) takes the session's epoch order.
    func drawExamples(_ count: Int, random: inout EngineRandom) throws -> [Int]?

    /// Steps that belong together (an RL iteration: its rollouts, then its PPO epochs × minibatches); the session
    /// saves, stops on request and validates only between rounds. 1 (the default) for trainers without rounds.
    var stepsPerRound: Int { get }

    /// A second model trained beside ``model`` with its own optimizer (PPO's value model), saved inside every
    /// checkpoint and registered with the result; nil (the default) for one model.
    var companion: SessionCompanion? { get }

    /// Strings saved in every checkpoint's `trainer_state.json` beside the session's own (for the trainer's
    /// own checks on resuming).
    var checkpointStrings: [String: String] { get }
}

extension SessionTrainer {
    public var keyMetric: String? { nil }
    public func finalMetadata() throws -> [String: String] { [:] }
    public func drawExamples(_ count: Int, random: inout EngineRandom) throws -> [Int]? { nil }
    public var stepsPerRound: Int { 1 }
    public var companion: SessionCompanion? { nil }
    public var checkpointStrings: [String: String] { [:] }
}

/// A model a trainer trains beside its main one (PPO's value model): the session gives it its own AdamW on the
/// same schedule, clips its gradients on their own, saves it in the subfolder `name` of every checkpoint, and at
/// the end registers it as a checkpoint `<run name>-<name>` of `kind`.
public struct SessionCompanion {
    /// The subfolder and the suffix of the registered name (`value`).
    public var name: String
    public var model: TransformerModel
    public var tokenizer: BPETokenizer
    public var kind: CheckpointKind
    /// The checkpoint it started from (a reward model for PPO's value model).
    public var parentID: Int64?

    public init(name: String, model: TransformerModel, tokenizer: BPETokenizer, kind: CheckpointKind, parentID: Int64?)
    {
        self.name = name
        self.model = model
        self.tokenizer = tokenizer
        self.kind = kind
        self.parentID = parentID
    }
}
