import Foundation
import TallyEngine
import TallyStore

/// A fine-tuning run ready to train (or already finished): what `tally train …` runs and tests drive.
public struct PreparedRun {
    /// The checkpoint's name.
    public var name: String
    public var parent: ParentCheckpoint
    /// The session, nil when the run had already finished.
    public var session: TrainingSession?
    /// The registered checkpoint when the run had already finished.
    public var finished: CheckpointRecord?
    /// The trainer (nil when finished).
    public var trainer: (any SessionTrainer)?
    /// One-line notes on the data and the model, for the user.
    public var notes: [String]

    /// Builds the session for `trainer` (or returns the finished run) from a prepared start.
    static func make(
        name: String, parent: ParentCheckpoint, start: TrainingSession.Start, trainer: () throws -> any SessionTrainer,
        request: TrainingRequest, outputKind: CheckpointKind, parents: TrainingRunParents, config: String,
        fingerprint: String, notes: [String], workspace: Workspace, database: TallyDatabase
    ) throws -> PreparedRun {
        if case .finished(let record) = start {
            return PreparedRun(name: name, parent: parent, session: nil, finished: record, trainer: nil, notes: notes)
        }
        let built = try trainer()
        let session = try TrainingSession(
            start: start, workspace: workspace, database: database, name: name, trainer: built,
            settings: request.sessionSettings(examples: built.trainExampleCount), outputKind: outputKind,
            parents: parents, config: config, fingerprint: fingerprint)
        return PreparedRun(name: name, parent: parent, session: session, finished: nil, trainer: built, notes: notes)
    }

    /// The model a run trains: the saved one when resuming, else `fresh()` with LoRA adapters attached when the
    /// request asks for them.
    static func model(
        start: TrainingSession.Start, request: TrainingRequest, fresh: () throws -> TransformerModel
    ) throws -> TransformerModel {
        if let checkpoint = start.resumeCheckpoint { return try checkpoint.makeModel() }
        let model = try fresh()
        if let lora = request.lora { try model.attachLoRA(lora, seed: request.seed &+ 17) }
        return model
    }

    /// The run's configuration as sorted JSON text, and its fingerprint.
    static func configuration(_ object: [String: Any]) throws -> (json: String, fingerprint: String) {
        let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
        let json = String(decoding: data, as: UTF8.self)
        return (json, TrainingSession.fingerprint(of: json))
    }

    /// A digest of training data given as lines of text.
    static func digest(_ lines: [String]) -> String {
        CheckpointManifest.sha256Hex(Data(lines.joined(separator: "\u{1E}").utf8))
    }
}
