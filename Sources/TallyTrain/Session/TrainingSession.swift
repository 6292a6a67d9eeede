import Foundation
import TallyEngine
import TallyStore

/// One training run in a workspace, whatever the trainer: the `trainingRun` row with its parents by role and
/// its configuration, the data order, micro-batching with gradient accumulation, AdamW and its schedule, a
/// validation pass every `evalEvery` steps, per-step metrics, atomic checkpoints in `checkpoints/<name>/`
/// every `saveEvery` steps, on interruption and at the end, resuming, and the finished checkpoint registered
/// with its kind, parent and SHA-256. A failure marks the run failed with its reason.
///
/// Rerunning the same command resumes from the last save: the weights, the optimizer moments, the step and
/// the data cursor come back, so the run ends with the same weights, byte for byte, as one never interrupted.
///
/// ```swift
/// let start = try TrainingSession.prepare(workspace: ws, database: db, name: "sft", kind: .sft,
///                                         fingerprint: fingerprint, fresh: false)
/// let model = try start.resumeCheckpoint?.makeModel() ?? parent.makeModel()
/// let trainer = try SFTTrainer(model: model, ...)
/// let session = try TrainingSession(start: start, trainer: trainer, ...)
/// let outcome = try session.run(shouldStop: { interrupted }) { step in print(step.loss) }
/// ```
public final class TrainingSession {
    /// Where a run starts, found by ``prepare(workspace:database:name:kind:fingerprint:fresh:log:)``.
    public enum Start {
        /// No saved run: start at step 0 from the parent checkpoint.
        case fresh
        /// A saved run of the same settings: continue from this checkpoint.
        case resume(Checkpoint)
        /// The run finished already; its checkpoint is registered.
        case finished(CheckpointRecord)

        /// The checkpoint to build the model from when resuming.
        public var resumeCheckpoint: Checkpoint? {
            if case .resume(let checkpoint) = self { return checkpoint }
            return nil
        }
    }

    /// How ``run(shouldStop:onStep:onEval:)`` ended.
    public enum Outcome: Sendable {
        /// Every step is done; the checkpoint is registered.
        case finished(checkpointID: Int64, sha256: String)
        /// Stopped at `step` on request; the checkpoint there is saved and the same command resumes.
        case interrupted(step: Int)
    }

    public static let runIDKey = "run_id"
    public static let fingerprintKey = "config_sha256"

    public let workspace: Workspace
    public let database: TallyDatabase
    /// The checkpoint's name, and its folder `checkpoints/<name>/`.
    public let name: String
    public let folder: URL
    public let trainer: any SessionTrainer
    public let settings: SessionSettings
    public let optimizer: AdamW
    /// The companion model's optimizer (PPO's value model), when the trainer has one.
    public let companionOptimizer: AdamW?
    public let outputKind: CheckpointKind
    public let parents: TrainingRunParents
    /// The run's id in the database.
    public let runID: Int64
    /// The step the run resumed from, nil for a fresh run.
    public let resumedFromStep: Int?
    /// Optimizer steps done.
    public private(set) var step = 0
    /// The last validation metrics.
    public private(set) var lastEval: [String: Double] = [:]
    /// Random numbers for the trainer's own draws (sampling); saved and restored with the run.
    public var random: EngineRandom

    private var order: ExampleOrder
    private let fingerprint: String
    private let registrationConfig: String
    private let schedule: LearningRateSchedule
    private var savedStep: Int
    private var pendingMetrics: [(step: Int, values: [String: Double])] = []
    private var finalMetadata: [String: String] = [:]

    /// Finds how the run `name` starts: finished (registered with the same `fingerprint`), resumable (its folder
    /// holds a saved state of the same kind and fingerprint, unless `fresh`), or fresh. Throws when `name` is
    /// taken by another checkpoint or a saved state of other settings would be overwritten without `fresh`.
    public static func prepare(
        workspace: Workspace, database: TallyDatabase, name: String, kind: TrainingKind, fingerprint: String,
        fresh: Bool, log: (String) -> Void = { _ in }
    ) throws -> Start {
        guard Workspace.isValidCheckpointName(name) else {
            throw TrainingError(
                "--name \"\(name)\" is not a valid checkpoint name; use letters, digits, '.', '_' and '-' "
                    + "(not starting with '.')")
        }
        let folder = workspace.checkpointFolder(name: name)
        if let record = try database.checkpoint(named: name) {
            let state = try? Checkpoint.trainerState(in: folder)
            guard !fresh, let state, state.trainer == kind.rawValue, state.strings[fingerprintKey] == fingerprint else {
                throw TrainingError(
                    "a checkpoint named \"\(name)\" is already registered (id \(record.id), \(record.kind.rawValue)); "
                        + "registered checkpoints are never overwritten, so choose another --name")
            }
            return .finished(record)
        }
        let statePath = folder.appendingPathComponent(Checkpoint.FileName.trainerState).path
        guard FileManager.default.fileExists(atPath: statePath) else {
            if FileManager.default.fileExists(atPath: folder.path) {
                log("\(Workspace.checkpointPath(name: name))/ holds no run to resume; it will be replaced")
            }
            return .fresh
        }
        if fresh {
            log("starting over: \(Workspace.checkpointPath(name: name))/ will be replaced at the first save")
            return .fresh
        }
        let state = try Checkpoint.trainerState(in: folder)
        guard let state, state.trainer == kind.rawValue else {
            throw TrainingError(
                "\(Workspace.checkpointPath(name: name))/ holds an unfinished \(state?.trainer ?? "unknown") run, "
                    + "not \(kind.rawValue); choose another --name, or pass --fresh to replace it")
        }
        guard state.strings[fingerprintKey] == fingerprint else {
            throw TrainingError(
                "\(Workspace.checkpointPath(name: name))/ holds an unfinished \(kind.rawValue) run with other settings "
                    + "or other data (the workspace's labels may have changed since); run it with the same options "
                    + "to resume, pass --fresh to start over, or choose another --name")
        }
        return .resume(try Checkpoint.load(from: folder))
    }

    /// The SHA-256 of a run's identity: its configuration JSON (settings, parents' SHA-256, data digest).
    public static func fingerprint(of configJSON: String) -> String {
        CheckpointManifest.sha256Hex(Data(configJSON.utf8))
    }

    /// Opens the run. For `.resume`, `trainer.model` must already hold the saved weights (and adapters); the
    /// optimizer state, step and data cursor are restored here. `config` is the run's full configuration (JSON
    /// text, recorded with the run and the checkpoint); `fingerprint` the value given to `prepare`.
    public init(
        start: Start, workspace: Workspace, database: TallyDatabase, name: String, trainer: any SessionTrainer,
        settings: SessionSettings, outputKind: CheckpointKind, parents: TrainingRunParents, config: String,
        fingerprint: String
    ) throws {
        try settings.validate()
        guard trainer.trainExampleCount > 0 else {
            throw TrainingError("no training examples")
        }
        self.workspace = workspace
        self.database = database
        self.name = name
        self.folder = workspace.checkpointFolder(name: name)
        self.trainer = trainer
        self.settings = settings
        self.outputKind = outputKind
        self.parents = parents
        self.fingerprint = fingerprint
        registrationConfig = config
        schedule = settings.optimization.schedule
        optimizer = AdamW(model: trainer.model, settings: AdamWSettings(weightDecay: settings.optimization.weightDecay))
        companionOptimizer = trainer.companion.map {
            AdamW(model: $0.model, settings: AdamWSettings(weightDecay: settings.optimization.weightDecay))
        }
        guard trainer.stepsPerRound >= 1, settings.optimization.steps % trainer.stepsPerRound == 0 else {
            throw TrainingError(
                "\(settings.optimization.steps) steps is not a whole number of rounds of \(trainer.stepsPerRound) steps"
            )
        }
        random = EngineRandom(seed: settings.seed &+ 0x243F_6A88_85A3_08D3)
        order = ExampleOrder(count: trainer.trainExampleCount, seed: settings.seed)

        switch start {
        case .finished:
            throw TrainingError("the run \(name) is finished; nothing to train")
        case .resume(let checkpoint):
            guard let state = checkpoint.trainerState else {
                throw TrainingError("\(checkpoint.path(of: Checkpoint.FileName.trainerState)) is missing")
            }
            try checkpoint.restore(optimizer)
            if let companion = trainer.companion, let companionOptimizer {
                guard let saved = checkpoint.companions[companion.name] else {
                    throw TrainingError(
                        "\(checkpoint.path(of: companion.name))/ is missing: the run's \(companion.name) model was not "
                            + "saved with it; start over with --fresh")
                }
                try saved.restore(companionOptimizer)
            }
            step = state.step
            savedStep = state.step
            resumedFromStep = state.step
            order = ExampleOrder(count: trainer.trainExampleCount, seed: settings.seed, cursor: state.dataCursor)
            if state.rngState.count == 4, state.rngState.contains(where: { $0 != 0 }) {
                random = EngineRandom(state: state.rngState)
            }
            if let id = state.strings[Self.runIDKey].flatMap(Int64.init), try database.trainingRun(id: id) != nil {
                runID = id
                try database.resumeTrainingRun(id: id)
                try database.discardMetrics(runID: id, after: state.step)
            } else {
                runID = try database.startTrainingRun(
                    kind: trainer.kind, name: name, parents: parents, config: config,
                    totalSteps: settings.optimization.steps)
            }
        case .fresh:
            savedStep = 0
            resumedFromStep = nil
            runID = try database.startTrainingRun(
                kind: trainer.kind, name: name, parents: parents, config: config,
                totalSteps: settings.optimization.steps)
        }
    }

    /// Total optimizer steps.
    public var totalSteps: Int { settings.optimization.steps }

    /// Optimizer steps in one pass over the training examples.
    public var stepsPerEpoch: Int { max(1, (trainer.trainExampleCount + settings.batchSize - 1) / settings.batchSize) }

    /// Trains until every step is done or `shouldStop` returns true (checked between steps). `onStep` sees each
    /// step, `onEval` each validation pass (step, metrics). Failures mark the run failed and rethrow.
    public func run(
        shouldStop: () -> Bool = { false }, onStep: (SessionStep) throws -> Void = { _ in },
        onEval: (Int, [String: Double]) -> Void = { _, _ in }
    ) throws -> Outcome {
        do {
            while step < totalSteps {
                let betweenRounds = step % trainer.stepsPerRound == 0
                if betweenRounds && shouldStop() {
                    if step > savedStep { try save() }
                    try flushMetrics()
                    try database.finishTrainingRun(
                        id: runID, status: .stopped, outputCheckpointID: nil,
                        error: "interrupted at step \(step); run the same command to resume")
                    return .interrupted(step: step)
                }
                let report = try trainStep()
                pendingMetrics.append((report.step, report.metrics))
                try onStep(report)
                let last = step == totalSteps
                let roundEnds = step % trainer.stepsPerRound == 0
                if last || (roundEnds && settings.evalEvery > 0 && step % settings.evalEvery == 0) {
                    let metrics = try trainer.evaluate()
                    if !metrics.isEmpty {
                        lastEval = metrics
                        pendingMetrics.append(
                            (step, Dictionary(uniqueKeysWithValues: metrics.map { ("eval/" + $0.key, $0.value) })))
                        onEval(step, metrics)
                    }
                }
                if !last && roundEnds && settings.saveEvery > 0 && step % settings.saveEvery == 0 {
                    try save()
                } else if pendingMetrics.count >= 100 {
                    try flushMetrics()
                }
            }
            finalMetadata = try trainer.finalMetadata()
            let manifest = try save()
            guard let weights = manifest.files[Checkpoint.FileName.model] else {
                throw TrainingError("\(folder.path): the manifest lists no \(Checkpoint.FileName.model)")
            }
            if let companion = trainer.companion {
                let file = "\(companion.name)/\(Checkpoint.FileName.model)"
                guard let companionWeights = manifest.files[file] else {
                    throw TrainingError("\(folder.path): the manifest lists no \(file)")
                }
                let companionName = "\(name)-\(companion.name)"
                // Registered already when a crash came between the two registrations.
                if try database.checkpoint(named: companionName)?.sha256 != companionWeights.sha256 {
                    _ = try database.registerCheckpoint(
                        name: companionName, kind: companion.kind, parentID: companion.parentID,
                        path: Workspace.checkpointPath(name: name) + "/" + companion.name,
                        config: registrationConfig, sha256: companionWeights.sha256)
                }
            }
            let id = try database.registerCheckpoint(
                name: name, kind: outputKind, parentID: parents.initial, path: Workspace.checkpointPath(name: name),
                config: registrationConfig, sha256: weights.sha256)
            try database.finishTrainingRun(id: runID, status: .finished, outputCheckpointID: id)
            return .finished(checkpointID: id, sha256: weights.sha256)
        } catch {
            try? flushMetrics()
            try? database.finishTrainingRun(
                id: runID, status: .failed, outputCheckpointID: nil, error: String(describing: error))
            throw error
        }
    }

    /// Records extra metrics at `step` (e.g. the oracle's eval after training, under `final/…`).
    public func record(step: Int, metrics: [String: Double]) throws {
        try database.recordMetrics(runID: runID, step: step, values: metrics)
    }

    /// One optimizer step: the next batch, split into micro-batches whose gradients accumulate, then clipping
    /// and the AdamW update.
    private func trainStep() throws -> SessionStep {
        let start = DispatchTime.now()
        let indices = try trainer.drawExamples(settings.batchSize, random: &random) ?? order.next(settings.batchSize)
        let normalizer = indices.reduce(0.0) { $0 + trainer.normalizerWeight(of: $1) }
        trainer.model.zeroGradients()
        trainer.companion?.model.zeroGradients()
        var sums = MetricSums()
        var first = 0
        while first < indices.count {
            let micro = Array(indices[first..<min(first + settings.microBatchSize, indices.count)])
            sums.merge(try trainer.accumulate(examples: micro, normalizer: max(normalizer, 1e-12)))
            first += micro.count
        }
        var metrics = sums.means
        let loss = metrics["loss"] ?? 0
        guard loss.isFinite else {
            throw TrainingError(
                "the loss became \(loss) at step \(step + 1); lower --lr (now \(settings.optimization.peakLearningRate)) "
                    + "and start over with --fresh")
        }
        let clip = settings.optimization.gradientClip
        let norm = clip > 0 ? optimizer.clipGradients(maxNorm: clip) : optimizer.gradientNorm()
        let rate = schedule.rate(at: step)
        optimizer.step(learningRate: rate)
        if let companion = trainer.companion, let companionOptimizer {
            let companionNorm =
                clip > 0 ? companionOptimizer.clipGradients(maxNorm: clip) : companionOptimizer.gradientNorm()
            companionOptimizer.step(learningRate: rate)
            metrics["\(companion.name)/grad_norm"] = Double(companionNorm)
        }
        step += 1
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
        metrics["lr"] = Double(rate)
        metrics["grad_norm"] = Double(norm)
        metrics["epoch"] = Double(step * settings.batchSize) / Double(order.count)
        if seconds > 0 {
            metrics["tokens_per_s"] = Double(sums.tokens) / seconds
            metrics["sequences_per_s"] = Double(sums.sequences) / seconds
        }
        return SessionStep(
            step: step, totalSteps: totalSteps, epoch: metrics["epoch"]!, metrics: metrics, tokens: sums.tokens,
            sequences: sums.sequences, seconds: seconds)
    }

    /// Saves the run as it stands (atomically) and records the metrics up to here.
    @discardableResult
    private func save() throws -> CheckpointManifest {
        let state = TrainerState(
            trainer: trainer.kind.rawValue, step: step, rngState: random.state, dataCursor: order.cursor,
            values: ["learning_rate": Double(schedule.rate(at: step))],
            strings: trainer.checkpointStrings.merging(
                [Self.runIDKey: String(runID), Self.fingerprintKey: fingerprint, "name": name]
            ) { _, session in session })
        var checkpoint = try Checkpoint(
            model: trainer.model, tokenizer: trainer.tokenizer, optimizer: optimizer, trainerState: state,
            metadata: finalMetadata)
        if let companion = trainer.companion, let companionOptimizer {
            checkpoint.companions[companion.name] = try Checkpoint(
                model: companion.model, tokenizer: companion.tokenizer, optimizer: companionOptimizer,
                trainerState: TrainerState(trainer: trainer.kind.rawValue + "-" + companion.name, step: step))
        }
        let manifest = try checkpoint.save(to: folder)
        savedStep = step
        try flushMetrics()
        return manifest
    }

    private func flushMetrics() throws {
        for entry in pendingMetrics { try database.recordMetrics(runID: runID, step: entry.step, values: entry.values) }
        pendingMetrics.removeAll()
    }
}
