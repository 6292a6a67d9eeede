import Foundation
import TallyEngine
import TallyStore

/// What a user asks of a fine-tuning run (`tally train sft|rm|…`), before the data is known: the options every
/// trainer shares.
public struct TrainingRequest: Sendable {
    /// The checkpoint to write; nil picks `<kind>`, `<kind>-2`, … (the first not yet registered).
    public var name: String?
    /// The parent checkpoint (name or id); nil picks the newest of the trainer's default kind.
    public var from: String?
    public var epochs: Double
    /// Optimizer steps; nil derives them from `epochs`.
    public var steps: Int?
    public var learningRate: Float
    public var minimumLearningRate: Float?
    public var warmupSteps: Int?
    public var weightDecay: Float
    public var gradientClip: Float
    public var batchSize: Int
    public var microBatchSize: Int?
    /// Validation every this many steps; nil: once per epoch.
    public var evalEvery: Int?
    public var saveEvery: Int
    public var seed: UInt64
    /// LoRA adapters (rank, alpha) instead of full fine-tuning.
    public var lora: LoRAConfiguration?
    /// Start over even when a saved run of the same name exists.
    public var fresh: Bool
    /// Cut examples longer than the context instead of refusing them.
    public var truncate: Bool

    public init(
        name: String? = nil, from: String? = nil, epochs: Double, steps: Int? = nil, learningRate: Float,
        minimumLearningRate: Float? = nil, warmupSteps: Int? = nil, weightDecay: Float = 0, gradientClip: Float = 1,
        batchSize: Int, microBatchSize: Int? = nil, evalEvery: Int? = nil, saveEvery: Int = 100, seed: UInt64 = 1,
        lora: LoRAConfiguration? = nil, fresh: Bool = false, truncate: Bool = false
    ) {
        self.name = name
        self.from = from
        self.epochs = epochs
        self.steps = steps
        self.learningRate = learningRate
        self.minimumLearningRate = minimumLearningRate
        self.warmupSteps = warmupSteps
        self.weightDecay = weightDecay
        self.gradientClip = gradientClip
        self.batchSize = batchSize
        self.microBatchSize = microBatchSize
        self.evalEvery = evalEvery
        self.saveEvery = saveEvery
        self.seed = seed
        self.lora = lora
        self.fresh = fresh
        self.truncate = truncate
    }

    /// Throws naming the first option that cannot train.
    public func validate() throws {
        guard epochs > 0, epochs.isFinite else { throw TrainingError("--epochs must be positive, got \(epochs)") }
        if let steps, steps <= 0 { throw TrainingError("--steps must be positive, got \(steps)") }
        if let lora {
            guard lora.rank > 0 else { throw TrainingError("--lora-rank must be positive, got \(lora.rank)") }
            guard lora.alpha > 0 else { throw TrainingError("--lora-alpha must be positive, got \(lora.alpha)") }
        }
        if let evalEvery, evalEvery < 0 { throw TrainingError("--eval-every must be ≥ 0, got \(evalEvery)") }
    }

    /// The session settings for `examples` training examples.
    public func sessionSettings(examples: Int) -> SessionSettings {
        let total = steps ?? SessionSettings.steps(epochs: epochs, examples: examples, batchSize: batchSize)
        let stepsPerEpoch = max(1, Int((Double(examples) / Double(batchSize)).rounded(.up)))
        return SessionSettings(
            optimization: OptimizationSettings(
                steps: total, peakLearningRate: learningRate, minimumLearningRate: minimumLearningRate,
                warmupSteps: warmupSteps ?? min(total / 10, 50), weightDecay: weightDecay, gradientClip: gradientClip),
            batchSize: batchSize, microBatchSize: microBatchSize, evalEvery: evalEvery ?? stepsPerEpoch,
            saveEvery: saveEvery, seed: seed)
    }

    /// The settings as JSON (for the run's recorded configuration).
    var jsonObject: [String: Any] {
        var object: [String: Any] = [
            "epochs": epochs, "learning_rate": Double(learningRate), "weight_decay": Double(weightDecay),
            "gradient_clip": Double(gradientClip), "batch_size": batchSize, "seed": seed, "truncate": truncate,
        ]
        if let steps { object["steps"] = steps }
        if let lora {
            object["lora"] = [
                "rank": lora.rank, "alpha": Double(lora.alpha), "targets": lora.targets.map(\.rawValue).sorted(),
            ]
        }
        return object
    }
}

/// A workspace checkpoint a run starts from or refers to: its record and its files (verified against the
/// SHA-256 the workspace recorded).
public struct ParentCheckpoint {
    public var record: CheckpointRecord
    public var checkpoint: Checkpoint

    /// The checkpoint named `reference` (name or id), else the newest of `defaultKinds`; its kind must be one of
    /// `allowed`. `role` names it in errors ("--from").
    public static func load(
        _ reference: String?, defaultKinds: [CheckpointKind], allowed: Set<CheckpointKind>, role: String,
        purpose: String, workspace: Workspace, database: TallyDatabase
    ) throws -> ParentCheckpoint {
        let records = try database.checkpoints()
        let record: CheckpointRecord
        if let reference {
            guard
                let found = records.first(where: { $0.name == reference })
                    ?? Int64(reference).flatMap({ id in records.first { $0.id == id } })
            else {
                let known = records.map { "\($0.name) (\($0.kind.rawValue))" }
                throw TrainingError(
                    "\(role) \(reference): no such checkpoint in the workspace"
                        + (known.isEmpty ? " (it has none)" : " (it has: \(known.joined(separator: ", ")))"))
            }
            record = found
        } else {
            guard let newest = defaultKinds.lazy.compactMap({ kind in records.last { $0.kind == kind } }).first else {
                throw TrainingError(
                    "the workspace has no \(defaultKinds.map(\.rawValue).joined(separator: " or ")) checkpoint to "
                        + "start \(purpose) from; pass \(role) NAME"
                        + (defaultKinds.contains(.sft) ? ", or train one first with `tally train sft`" : ""))
            }
            record = newest
        }
        guard allowed.contains(record.kind) else {
            throw TrainingError(
                "\(role) \(record.name) is a \(record.kind.rawValue) checkpoint; \(purpose) starts from "
                    + allowed.map(\.rawValue).sorted().joined(separator: ", ") + " checkpoints")
        }
        let folder = workspace.root.appendingPathComponent(record.path, isDirectory: true)
        let checkpoint = try Checkpoint.load(from: folder)
        let digest = try Checkpoint.manifest(in: folder).files[Checkpoint.FileName.model]?.sha256 ?? ""
        guard digest == record.sha256 else {
            throw TrainingError(
                "\(folder.path)/\(Checkpoint.FileName.model) does not match the SHA-256 the workspace recorded for "
                    + "\(record.name); the files were changed after it was registered")
        }
        return ParentCheckpoint(record: record, checkpoint: checkpoint)
    }
}

/// Picks the default name of a run's checkpoint: `kind`, else `kind-2`, `kind-3`, … — the first name not yet
/// registered (an unfinished run of that name is resumed).
public func defaultCheckpointName(for kind: TrainingKind, database: TallyDatabase) throws -> String {
    let taken = Set(try database.checkpoints().map(\.name))
    var candidate = kind.rawValue
    var number = 2
    while taken.contains(candidate) {
        candidate = "\(kind.rawValue)-\(number)"
        number += 1
    }
    return candidate
}

/// Held-out examples: the eval split when it has any, else a fixed tenth of the train split (prompts whose id
/// is a multiple of 10), so validation never sees a training prompt.
public func splitTrainEval<Example>(_ examples: [Example], split: (Example) -> Split, promptID: (Example) -> Int64)
    -> (train: [Example], eval: [Example], heldOutFromTrain: Bool)
{
    let train = examples.filter { split($0) == .train }
    let eval = examples.filter { split($0) == .eval }
    if !eval.isEmpty || train.count < 20 { return (train, eval, false) }
    return (train.filter { promptID($0) % 10 != 0 }, train.filter { promptID($0) % 10 == 0 }, true)
}

extension ParentCheckpoint {
    /// The reference a run measures its policy against: `name` (a policy checkpoint of the same architecture and
    /// tokenizer), else the policy's own start. With LoRA the reference is the policy with its adapters off, so
    /// another checkpoint is refused.
    public static func reference(
        _ name: String?, policy: ParentCheckpoint, lora: Bool, purpose: String, workspace: Workspace,
        database: TallyDatabase
    ) throws -> ParentCheckpoint {
        guard let name else { return policy }
        let reference = try load(
            name, defaultKinds: [], allowed: Set(CheckpointKind.allCases.filter(\.isPolicy)), role: "--ref",
            purpose: purpose, workspace: workspace, database: database)
        try checkCompatible(reference, with: policy)
        if lora && reference.record.id != policy.record.id {
            throw TrainingError(
                "with --lora-rank the reference is the policy with its adapters off (\(policy.record.name)); "
                    + "leave out --ref, or train without LoRA to measure against \(reference.record.name)")
        }
        return reference
    }

    /// Throws unless `reference` has the policy's architecture, shape and tokenizer.
    static func checkCompatible(_ reference: ParentCheckpoint, with policy: ParentCheckpoint) throws {
        let a = try policy.checkpoint.modelConfig()
        let b = try reference.checkpoint.modelConfig()
        guard a.architecture == b.architecture, a.vocabSize == b.vocabSize, a.width == b.width,
            a.layers == b.layers, a.heads == b.heads, a.contextLength == b.contextLength
        else {
            throw TrainingError(
                "--ref \(reference.record.name) is a \(b.modelType) of \(b.layers)×\(b.width) (vocabulary \(b.vocabSize)) "
                    + "but the policy \(policy.record.name) is a \(a.modelType) of \(a.layers)×\(a.width) (vocabulary "
                    + "\(a.vocabSize)); the reference must be the same architecture")
        }
        guard reference.checkpoint.tokenizer.jsonData() == policy.checkpoint.tokenizer.jsonData() else {
            throw TrainingError(
                "--ref \(reference.record.name) has another tokenizer than \(policy.record.name); their log-probabilities "
                    + "cannot be compared")
        }
    }
}

extension ReferenceModel {
    /// With LoRA the policy with its adapters off; otherwise a frozen copy of `parent`'s weights.
    static func make(lora: Bool, frozen parent: ParentCheckpoint) throws -> ReferenceModel {
        lora ? .adaptersOff : .frozen(try parent.checkpoint.makeModel())
    }
}
