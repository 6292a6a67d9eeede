import Foundation
import TallyEngine
import TallyStore
import TallyTrain

/// A model named on the command line (`--checkpoint C`): a checkpoint of the workspace, by name or id,
/// or a checkpoint folder on disk (a Tally checkpoint or one saved by Hugging Face transformers).
struct ResolvedCheckpoint {
    /// The loaded files.
    var checkpoint: Checkpoint
    /// The workspace's record of it, when it is a workspace checkpoint.
    var record: CheckpointRecord?
    /// How to name it in output: the checkpoint's name, or the folder's path.
    var displayName: String

    /// The prompt style the model expects unless told otherwise: the world's transcripts for a base
    /// model or a folder from elsewhere, the chat template for a fine-tuned checkpoint.
    var defaultPromptStyle: PromptStyle {
        guard let record, record.kind != .base else { return .transcript }
        return .chat
    }
}

/// The `--style` option: which prompt format to give the model.
enum PromptStyleChoice: String, CaseIterable {
    case auto, transcript, chat

    func resolve(for checkpoint: ResolvedCheckpoint) -> PromptStyle {
        switch self {
        case .auto: return checkpoint.defaultPromptStyle
        case .transcript: return .transcript
        case .chat: return .chat
        }
    }
}

/// Finds and loads the checkpoint a `--checkpoint` value names.
enum CheckpointReference {
    /// Resolves `reference`: a workspace checkpoint's name, then its id, then a folder path.
    ///
    /// A workspace checkpoint's weights are verified against the SHA-256 the workspace recorded; a folder
    /// with a `tally-manifest.json` is verified against it.
    static func resolve(_ reference: String, workspace: Workspace?, database: TallyDatabase?) throws
        -> ResolvedCheckpoint
    {
        if let workspace, let database, let record = try record(for: reference, in: database) {
            let folder = self.folder(of: record, in: workspace)
            let checkpoint = try Checkpoint.loadHuggingFace(from: folder)
            let actual = try weightsDigest(checkpoint, folder: folder)
            guard actual == record.sha256.lowercased() else {
                throw CheckpointError(
                    path: folder.appendingPathComponent(Checkpoint.FileName.model).path,
                    problem: "has SHA-256 \(actual), but the workspace recorded \(record.sha256) for checkpoint "
                        + "\"\(record.name)\"; the file was replaced or damaged")
            }
            return ResolvedCheckpoint(checkpoint: checkpoint, record: record, displayName: record.name)
        }
        let folder = URL(fileURLWithPath: reference)
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder.path, isDirectory: &isDirectory), isDirectory.boolValue
        else {
            var known = ""
            if let names = try database?.checkpoints().map(\.name), !names.isEmpty {
                known = " (the workspace has: " + names.joined(separator: ", ") + ")"
            }
            throw CheckpointCommandError(
                "no checkpoint \"\(reference)\": not a checkpoint name or id in the workspace\(known), "
                    + "and no folder at that path")
        }
        return ResolvedCheckpoint(
            checkpoint: try Checkpoint.loadHuggingFace(from: folder), record: nil, displayName: folder.path)
    }

    /// The workspace's checkpoint named `reference`, or with id `reference`.
    static func record(for reference: String, in database: TallyDatabase) throws -> CheckpointRecord? {
        if let named = try database.checkpoint(named: reference) { return named }
        guard let id = Int64(reference) else { return nil }
        return try database.checkpoints().first { $0.id == id }
    }

    /// The folder of a workspace checkpoint: its recorded path, relative to the workspace unless absolute.
    static func folder(of record: CheckpointRecord, in workspace: Workspace) -> URL {
        record.path.hasPrefix("/")
            ? URL(fileURLWithPath: record.path, isDirectory: true)
            : workspace.root.appendingPathComponent(record.path, isDirectory: true)
    }

    /// Hex SHA-256 of the checkpoint's `model.safetensors` as it is on disk.
    static func weightsDigest(_ checkpoint: Checkpoint, folder: URL) throws -> String {
        let url = folder.appendingPathComponent(Checkpoint.FileName.model)
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw CheckpointError(path: url.path, problem: "cannot be read (\(error.localizedDescription))")
        }
        return CheckpointManifest.sha256Hex(data)
    }
}

/// A checkpoint problem outside any one file, printed as is.
struct CheckpointCommandError: Error, CustomStringConvertible {
    var description: String

    init(_ description: String) {
        self.description = description
    }
}
