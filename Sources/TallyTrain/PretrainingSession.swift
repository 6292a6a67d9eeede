import Foundation
import TallyEngine
import TallyStore

/// A pretraining run inside a workspace: the checkpoint folder `checkpoints/<name>/`, the run and its per-step
/// metrics in the database, resuming, and the final checkpoint registered (kind `base`, with the SHA-256 of its
/// weights).
///
/// Rerunning with the same options continues from the last saved checkpoint (same batches, same random numbers,
/// so the same losses as a run never interrupted). A registered checkpoint is finished and never overwritten.
///
/// ```swift
/// let session = try PretrainingSession(
///     workspace: workspace, database: database, name: "base", configuration: configuration,
///     corpus: try TextCorpus.load(from: corpusURL), tokenizer: .train(vocabularySize: 2048))
/// let outcome = try session.train(shouldStop: { interrupted }) { report in print(report.loss) }
/// ```
public final class PretrainingSession {
    /// Where the tokenizer of a fresh run comes from.
    public enum TokenizerSource: Sendable {
        /// A `tokenizer.json` file.
        case file(URL)
        /// Learn a byte-level BPE tokenizer of this many tokens from the corpus.
        case train(vocabularySize: Int)
    }

    /// How ``train(shouldStop:onStep:)`` ended.
    public enum Outcome: Equatable, Sendable {
        /// Every step is done; the checkpoint is registered.
        case finished(checkpointID: Int64, sha256: String)
        /// Stopped at `step` on request; the checkpoint there is saved and the run can resume.
        case interrupted(step: Int)
    }

    public let workspace: Workspace
    public let database: TallyDatabase
    public let name: String
    /// `checkpoints/<name>/` inside the workspace.
    public let folder: URL
    /// The trainer, nil when the checkpoint was already finished and registered.
    public let pretrainer: Pretrainer?
    /// The step the run resumed from, nil for a fresh run.
    public let resumedFromStep: Int?
    /// The registered checkpoint, when the run had already finished.
    public let registered: CheckpointRecord?
    /// The training run's id in the database.
    public private(set) var runID: Int64?
    /// Tokens in the corpus stream.
    public let corpusTokens: Int
    /// The JSON recorded with the run and the checkpoint (nil when the checkpoint was already registered).
    private let registrationConfig: String?
    private var pendingMetrics: [(step: Int, values: [String: Double])] = []
    private var savedStep: Int

    static let runIDKey = "run_id"
    static let corpusKey = "corpus_sha256"

    /// Throws unless `name` is a safe folder name: letters, digits, `.`, `_`, `-`, not starting with `.`.
    public static func validate(name: String) throws {
        guard Workspace.isValidCheckpointName(name) else {
            throw TrainingError(
                "--out \"\(name)\" is not a valid checkpoint name; use letters, digits, '.', '_' and '-' "
                    + "(not starting with '.')")
        }
    }

    /// Opens the run: resumes `checkpoints/<name>/` when it holds a resumable checkpoint (unless `fresh`),
    /// otherwise starts over with a tokenizer from `tokenizer`. `log` receives one-line notes for the user.
    public init(
        workspace: Workspace, database: TallyDatabase, name: String, configuration: PretrainingConfiguration,
        corpus: TextCorpus, tokenizer tokenizerSource: TokenizerSource?, fresh: Bool = false,
        log: @escaping (String) -> Void = { _ in }
    ) throws {
        try Self.validate(name: name)
        try configuration.validate()
        self.workspace = workspace
        self.database = database
        self.name = name
        folder = workspace.checkpointFolder(name: name)

        if let record = try database.checkpoint(named: name) {
            guard !fresh else {
                throw TrainingError(
                    "a checkpoint named \"\(name)\" is already registered (id \(record.id)); registered checkpoints "
                        + "are never overwritten, so choose another --out")
            }
            let savedState: TrainerState?
            do {
                savedState = try Checkpoint.trainerState(in: folder)
            } catch {
                throw TrainingError(
                    "a checkpoint named \"\(name)\" is already registered (id \(record.id)) but its folder cannot be "
                        + "read (\(error)); restore it, or choose another --out")
            }
            let statePath = folder.appendingPathComponent(Checkpoint.FileName.trainerState).path
            // No trainer state (an imported checkpoint) or another trainer's: not this run either.
            let saved = try? Pretrainer.savedConfiguration(savedState, path: statePath)
            guard saved == configuration else {
                throw TrainingError(
                    "a checkpoint named \"\(name)\" is already registered (id \(record.id)) from other settings; "
                        + "choose another --out")
            }
            registered = record
            pretrainer = nil
            resumedFromStep = nil
            corpusTokens = 0
            savedStep = configuration.optimization.steps
            registrationConfig = nil
            return
        }
        registered = nil

        let trainer: Pretrainer
        let statePath = folder.appendingPathComponent(Checkpoint.FileName.trainerState).path
        if !fresh && FileManager.default.fileExists(atPath: statePath) {
            let checkpoint = try Checkpoint.load(from: folder)
            let savedCorpus = checkpoint.trainerState?.strings[Self.corpusKey]
            if let savedCorpus, savedCorpus != corpus.sha256 {
                throw TrainingError(
                    "\(folder.path) was trained on another corpus than \(corpus.displayName) (SHA-256 "
                        + "\(savedCorpus.prefix(12))… vs \(corpus.sha256.prefix(12))…); pass the same --corpus to "
                        + "resume, or --fresh to start over")
            }
            let tokens = corpus.tokenIDs(with: checkpoint.tokenizer)
            trainer = try Pretrainer(resuming: checkpoint, configuration: configuration, tokens: tokens)
            corpusTokens = tokens.count
            resumedFromStep = trainer.loop.step
            savedStep = trainer.loop.step
            runID = trainer.bookkeeping[Self.runIDKey].flatMap { Int64($0) }
            if tokenizerSource != nil { log("resuming: the tokenizer saved in \(name) is used") }
        } else {
            if FileManager.default.fileExists(atPath: folder.path) {
                let path = Workspace.checkpointPath(name: name)
                log(
                    fresh
                        ? "starting over: \(path)/ will be replaced at the first save"
                        : "\(path)/ holds no run to resume; starting over (it will be replaced)")
            }
            let tokenizer: BPETokenizer
            switch tokenizerSource {
            case .file(let url)?:
                tokenizer = try BPETokenizer(contentsOf: url)
            case .train(let size)?:
                log("training a \(size)-token BPE tokenizer on \(corpus.displayName)")
                let start = Date()
                var lastNote = start
                tokenizer = try BPETrainer(vocabularySize: size).train(on: corpus.joinedText) { done, total in
                    let now = Date()
                    guard now.timeIntervalSince(lastNote) >= 5 else { return }
                    lastNote = now
                    log("tokenizer: \(done)/\(total) merges after \(Int(now.timeIntervalSince(start)))s")
                }
            case nil:
                throw TrainingError(
                    "no tokenizer: pass --tokenizer tokenizer.json, or --vocab-size N to learn one from the corpus")
            }
            let tokens = corpus.tokenIDs(with: tokenizer)
            trainer = try Pretrainer(configuration: configuration, tokenizer: tokenizer, tokens: tokens)
            trainer.bookkeeping[Self.corpusKey] = corpus.sha256
            trainer.bookkeeping["name"] = name
            corpusTokens = tokens.count
            resumedFromStep = nil
            savedStep = 0
        }
        pretrainer = trainer
        let config = try Self.registrationConfig(trainer, corpus: corpus, corpusTokens: corpusTokens)
        registrationConfig = config
        if runID == nil {
            let id = try database.startTrainingRun(kind: .pretrain, baseCheckpointID: nil, config: config)
            runID = id
            trainer.bookkeeping[Self.runIDKey] = String(id)
        }
    }

    /// Trains until every step is done or `shouldStop` returns true (checked between steps), saving a checkpoint
    /// every `saveEvery` steps, on stopping and at the end; `onStep` sees each step's report.
    public func train(shouldStop: () -> Bool = { false }, onStep: (StepReport) -> Void = { _ in }) throws -> Outcome {
        if let registered { return .finished(checkpointID: registered.id, sha256: registered.sha256) }
        guard let pretrainer, let registrationConfig else { throw TrainingError("no trainer") }
        let loop = pretrainer.loop
        let saveEvery = pretrainer.configuration.saveEvery
        do {
            while !loop.isFinished {
                if shouldStop() {
                    if loop.step > savedStep { _ = try save() }
                    try flushMetrics()
                    return .interrupted(step: loop.step)
                }
                let report = try loop.trainLanguageModelStep()
                pendingMetrics.append((report.step, report.metrics))
                onStep(report)
                if saveEvery > 0 && report.step % saveEvery == 0 && !loop.isFinished {
                    _ = try save()
                } else if pendingMetrics.count >= 100 {
                    try flushMetrics()  // visible while the run goes on; steps redone after a crash are replaced
                }
            }
            let manifest =
                loop.step > savedStep || !FileManager.default.fileExists(atPath: folder.path)
                ? try save()
                : try Checkpoint.manifest(in: folder)
            try flushMetrics()
            guard let weights = manifest.files[Checkpoint.FileName.model] else {
                throw TrainingError("\(folder.path): the manifest lists no \(Checkpoint.FileName.model)")
            }
            let id = try database.registerCheckpoint(
                name: name, kind: .base, path: relativePath, config: registrationConfig,
                sha256: weights.sha256)
            if let runID { try database.finishTrainingRun(id: runID, status: .finished, outputCheckpointID: id) }
            return .finished(checkpointID: id, sha256: weights.sha256)
        } catch {
            try? flushMetrics()
            if let runID { try? database.finishTrainingRun(id: runID, status: .failed, outputCheckpointID: nil) }
            throw error
        }
    }

    /// The checkpoint folder relative to the workspace, as recorded in the database.
    public var relativePath: String { Workspace.checkpointPath(name: name) }

    /// Saves the run as it stands (atomically) and records the metrics up to here.
    private func save() throws -> CheckpointManifest {
        guard let pretrainer else { throw TrainingError("no trainer") }
        let manifest = try pretrainer.checkpoint().save(to: folder)
        savedStep = pretrainer.loop.step
        try flushMetrics()
        return manifest
    }

    private func flushMetrics() throws {
        guard let runID else { return }
        for entry in pendingMetrics { try database.recordMetrics(runID: runID, step: entry.step, values: entry.values) }
        pendingMetrics.removeAll()
    }

    /// The JSON recorded with the run and the checkpoint: the model's config.json, the training settings and
    /// the corpus.
    private static func registrationConfig(_ pretrainer: Pretrainer, corpus: TextCorpus, corpusTokens: Int) throws
        -> String
    {
        var object: [String: Any] = [:]
        if let model = try? JSONSerialization.jsonObject(with: JSONEncoder().encode(pretrainer.loop.model.config)) {
            object["model"] = model
        }
        if let training = try? JSONSerialization.jsonObject(with: Data(pretrainer.configuration.jsonText.utf8)) {
            object["training"] = training
        }
        object["corpus"] = ["file": corpus.displayName, "sha256": corpus.sha256, "tokens": corpusTokens]
        object["tokenizer_vocab_size"] = pretrainer.tokenizer.vocabularySize
        object["parameters"] = pretrainer.loop.model.parameterCount
        let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
        return String(decoding: data, as: UTF8.self)
    }
}
