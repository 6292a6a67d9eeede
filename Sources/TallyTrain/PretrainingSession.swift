import Foundation
import TallyEngine
import TallyStore

/// A pretraining run inside a workspace (`tally pretrain`): the corpus and the tokenizer (given or learned),
/// a fresh model of the configuration's shape, and the shared ``TrainingSession`` for everything else — the run
/// and its per-step metrics in the database, checkpoints in `checkpoints/<name>/`, resuming, and the final
/// checkpoint registered (kind `base`, with the SHA-256 of its weights).
///
/// Rerunning with the same options continues from the last saved checkpoint (same windows, same random numbers,
/// so the same losses as a run never interrupted). A registered checkpoint is finished and never overwritten.
///
/// ```swift
/// let session = try PretrainingSession(
///     workspace: workspace, database: database, name: "base", configuration: configuration,
///     corpus: try TextCorpus.load(from: corpusURL), tokenizer: .train(vocabularySize: 2048))
/// let outcome = try session.train(shouldStop: { interrupted }) { step in print(step.loss) }
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

    /// The `trainer_state.json` strings holding the configuration as JSON and the corpus's SHA-256.
    public static let configurationKey = "configuration"
    public static let corpusKey = "corpus_sha256"

    public let name: String
    /// `checkpoints/<name>/` inside the workspace.
    public let folder: URL
    public let configuration: PretrainingConfiguration
    /// The registered checkpoint, when the run had already finished.
    public let registered: CheckpointRecord?
    /// The shared session, nil when the run had already finished.
    public let session: TrainingSession?
    /// The trainer (model, tokenizer, token stream), nil when the run had already finished.
    public let trainer: PretrainTrainer?
    /// The step the run resumed from, nil for a fresh run.
    public var resumedFromStep: Int? { session?.resumedFromStep }
    /// Tokens in the corpus stream.
    public var corpusTokens: Int { trainer?.tokens.count ?? 0 }
    /// The training run's id in the database.
    public var runID: Int64? { session?.runID }

    /// Throws unless `name` is a safe folder name: letters, digits, `.`, `_`, `-`, not starting with `.`.
    public static func validate(name: String) throws {
        guard Workspace.isValidCheckpointName(name) else {
            throw TrainingError(
                "--out \"\(name)\" is not a valid checkpoint name; use letters, digits, '.', '_' and '-' "
                    + "(not starting with '.')")
        }
    }

    /// Opens the run: resumes `checkpoints/<name>/` when it holds a run of the same settings and corpus (unless
    /// `fresh`), otherwise starts over with a tokenizer from `tokenizer`. `log` receives one-line notes.
    public init(
        workspace: Workspace, database: TallyDatabase, name: String, configuration: PretrainingConfiguration,
        corpus: TextCorpus, tokenizer tokenizerSource: TokenizerSource?, fresh: Bool = false,
        log: @escaping (String) -> Void = { _ in }
    ) throws {
        try Self.validate(name: name)
        try configuration.validate()
        self.name = name
        self.configuration = configuration
        folder = workspace.checkpointFolder(name: name)
        let fingerprint = TrainingSession.fingerprint(of: configuration.jsonText + "\n" + corpus.sha256)
        let statePath = folder.appendingPathComponent(Checkpoint.FileName.trainerState).path

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
            // No trainer state (an imported checkpoint) or another trainer's: not this run either.
            let saved = try? Self.savedConfiguration(savedState, path: statePath)
            guard saved == configuration, savedState?.strings[Self.corpusKey] == corpus.sha256 else {
                throw TrainingError(
                    "a checkpoint named \"\(name)\" is already registered (id \(record.id)) from other settings; "
                        + "choose another --out")
            }
            registered = record
            session = nil
            trainer = nil
            return
        }
        registered = nil

        let start: TrainingSession.Start
        let model: TransformerModel
        let tokenizer: BPETokenizer
        if !fresh && FileManager.default.fileExists(atPath: statePath) {
            let checkpoint = try Checkpoint.load(from: folder)
            if let saved = checkpoint.trainerState?.strings[Self.corpusKey], saved != corpus.sha256 {
                throw TrainingError(
                    "\(folder.path) was trained on another corpus than \(corpus.displayName) (SHA-256 "
                        + "\(saved.prefix(12))… vs \(corpus.sha256.prefix(12))…); pass the same --corpus to resume, "
                        + "or --fresh to start over")
            }
            let saved = try Self.savedConfiguration(checkpoint.trainerState, path: statePath)
            if saved != configuration {
                throw TrainingError(
                    "\(statePath) was saved by a run with other settings ("
                        + PretrainingConfiguration.differences(saved, configuration).joined(separator: ", ")
                        + "); rerun with the same options to resume, or pass --fresh to start over")
            }
            model = try checkpoint.makeModel()
            tokenizer = checkpoint.tokenizer
            start = .resume(checkpoint)
            if tokenizerSource != nil { log("resuming: the tokenizer saved in \(name) is used") }
        } else {
            if FileManager.default.fileExists(atPath: folder.path) {
                let path = Workspace.checkpointPath(name: name)
                log(
                    fresh
                        ? "starting over: \(path)/ will be replaced at the first save"
                        : "\(path)/ holds no run to resume; starting over (it will be replaced)")
            }
            tokenizer = try Self.tokenizer(tokenizerSource, corpus: corpus, log: log)
            let config = try configuration.modelConfig(
                vocabularySize: tokenizer.vocabularySize, endOfText: tokenizer.id(of: ChatTemplate.endOfText))
            model = try TransformerModel(config: config, seed: configuration.seed)
            start = .fresh
        }
        let tokens = corpus.tokenIDs(with: tokenizer)
        let trainer = try PretrainTrainer(
            model: model, tokenizer: tokenizer, tokens: tokens, context: configuration.context,
            checkpointStrings: [Self.configurationKey: configuration.jsonText, Self.corpusKey: corpus.sha256])
        model.reserve(batchSize: configuration.batchSize, length: configuration.context)
        self.trainer = trainer
        session = try TrainingSession(
            start: start, workspace: workspace, database: database, name: name, trainer: trainer,
            settings: SessionSettings(
                optimization: configuration.optimization, batchSize: configuration.batchSize,
                saveEvery: configuration.saveEvery,
                seed: configuration.seed ^ 0x5EED_DA7A_0000_0000),  // the data order's own stream
            outputKind: .base, parents: TrainingRunParents(),
            config: try Self.registrationConfig(trainer, configuration: configuration, corpus: corpus),
            fingerprint: fingerprint)
    }

    /// Trains until every step is done or `shouldStop` returns true (checked between steps), saving a checkpoint
    /// every `saveEvery` steps, on stopping and at the end; `onStep` sees each step.
    public func train(shouldStop: () -> Bool = { false }, onStep: (SessionStep) -> Void = { _ in }) throws -> Outcome {
        if let registered { return .finished(checkpointID: registered.id, sha256: registered.sha256) }
        guard let session else { throw TrainingError("no session") }
        switch try session.run(shouldStop: shouldStop, onStep: onStep) {
        case .finished(let id, let sha256): return .finished(checkpointID: id, sha256: sha256)
        case .interrupted(let step): return .interrupted(step: step)
        }
    }

    /// The checkpoint folder relative to the workspace, as recorded in the database.
    public var relativePath: String { Workspace.checkpointPath(name: name) }

    /// The configuration a checkpoint's run used, from its trainer state; `statePath` names its
    /// `trainer_state.json` in errors.
    public static func savedConfiguration(_ state: TrainerState?, path statePath: String) throws
        -> PretrainingConfiguration
    {
        guard let state else {
            throw TrainingError("\(statePath) is missing, so this checkpoint cannot resume; pass --fresh to start over")
        }
        guard state.trainer == TrainingKind.pretrain.rawValue, let text = state.strings[configurationKey],
            let saved = try? JSONDecoder().decode(PretrainingConfiguration.self, from: Data(text.utf8))
        else {
            throw TrainingError(
                "\(statePath) was not written by `tally pretrain`; pass --fresh to start over or choose another --out")
        }
        return saved
    }

    private static func tokenizer(
        _ source: TokenizerSource?, corpus: TextCorpus, log: @escaping (String) -> Void
    ) throws
        -> BPETokenizer
    {
        switch source {
        case .file(let url)?:
            return try BPETokenizer(contentsOf: url)
        case .train(let size)?:
            log("training a \(size)-token BPE tokenizer on \(corpus.displayName)")
            let start = Date()
            var lastNote = start
            return try BPETrainer(vocabularySize: size).train(on: corpus.joinedText) { done, total in
                let now = Date()
                guard now.timeIntervalSince(lastNote) >= 5 else { return }
                lastNote = now
                log("tokenizer: \(done)/\(total) merges after \(Int(now.timeIntervalSince(start)))s")
            }
        case nil:
            throw TrainingError(
                "no tokenizer: pass --tokenizer tokenizer.json, or --vocab-size N to learn one from the corpus")
        }
    }

    /// The JSON recorded with the run and the checkpoint: the model's config.json, the training settings and
    /// the corpus.
    private static func registrationConfig(
        _ trainer: PretrainTrainer, configuration: PretrainingConfiguration, corpus: TextCorpus
    ) throws -> String {
        var object: [String: Any] = ["kind": "pretrain"]
        if let model = try? JSONSerialization.jsonObject(with: JSONEncoder().encode(trainer.model.config)) {
            object["model"] = model
        }
        if let training = try? JSONSerialization.jsonObject(with: Data(configuration.jsonText.utf8)) {
            object["training"] = training
        }
        object["corpus"] = ["file": corpus.displayName, "sha256": corpus.sha256, "tokens": trainer.tokens.count]
        object["tokenizer_vocab_size"] = trainer.tokenizer.vocabularySize
        object["parameters"] = trainer.model.parameterCount
        let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
        return String(decoding: data, as: UTF8.self)
    }
}
