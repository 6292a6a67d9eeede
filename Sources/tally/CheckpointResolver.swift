import Foundation
import TallyEngine
import TallyIO
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

/// Finds and loads the checkpoint a `--checkpoint` value names: a folder in Hugging Face layout (config.json,
/// model.safetensors, tokenizer.json), else a checkpoint of the workspace by name or id. A registered
/// checkpoint's weights are checked against the SHA-256 recorded in the database.
///
/// ```swift
/// let resolved = try CheckpointResolver.resolve("base", option: workspaceOption)
/// print(resolved.displayName)
/// ```
enum CheckpointResolver {
    /// Resolves `reference` in the workspace `option` finds (none is needed for a folder).
    static func resolve(_ reference: String, option: WorkspaceOption) throws -> ResolvedCheckpoint {
        if let folder = try folder(reference) { return folder }
        let found: Workspace
        do {
            found = try option.locate()
        } catch let error as WorkspaceError {
            throw CheckpointError(
                path: reference,
                problem: "is not a folder, and no workspace to look it up in (\(error.description))")
        }
        let database = try found.openDatabase()
        defer { database.close() }
        return try inWorkspace(reference, workspace: found, database: database)
    }

    /// Resolves `reference` as a folder, else in `workspace`, whose database the caller has open.
    static func resolve(
        _ reference: String, workspace: Workspace, database: TallyDatabase
    ) throws -> ResolvedCheckpoint {
        if let folder = try folder(reference) { return folder }
        return try inWorkspace(reference, workspace: workspace, database: database)
    }

    /// The checkpoint in the folder `reference`, or nil when it is not a folder.
    private static func folder(_ reference: String) throws -> ResolvedCheckpoint? {
        let folder = URL(fileURLWithPath: reference, isDirectory: true)
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder.path, isDirectory: &isDirectory), isDirectory.boolValue
        else { return nil }
        return ResolvedCheckpoint(
            checkpoint: try Checkpoint.loadHuggingFace(from: folder), record: nil, displayName: reference)
    }

    /// The workspace checkpoint named `reference` (or with that id), or one still being trained under that name.
    private static func inWorkspace(
        _ reference: String, workspace: Workspace, database: TallyDatabase
    ) throws -> ResolvedCheckpoint {
        let records = try database.checkpoints()
        let record =
            records.first(where: { $0.name == reference })
            ?? Int64(reference).flatMap { id in records.first(where: { $0.id == id }) }
        if let record {
            let folder = workspace.root.appendingPathComponent(record.path, isDirectory: true)
            let checkpoint = try Checkpoint.loadHuggingFace(from: folder)
            try verify(folder: folder, against: record)
            return ResolvedCheckpoint(checkpoint: checkpoint, record: record, displayName: record.name)
        }
        // A checkpoint still being trained (saved, not yet registered) lives under its name too.
        let unregistered = workspace.checkpointFolder(name: reference)
        if !reference.contains("/"), FileManager.default.fileExists(atPath: unregistered.path) {
            return ResolvedCheckpoint(
                checkpoint: try Checkpoint.load(from: unregistered), record: nil, displayName: reference)
        }
        let known = records.map { "\($0.name) (id \($0.id))" }
        throw CheckpointError(
            path: reference,
            problem: "is neither a checkpoint of the workspace \(workspace.root.path) "
                + (known.isEmpty
                    ? "(it has none yet; train one with `tally pretrain`)"
                    : "(it has: \(known.joined(separator: ", ")))")
                + " nor a folder holding config.json, model.safetensors and tokenizer.json")
    }

    /// Throws when the weights in `folder` are not the ones registered.
    private static func verify(folder: URL, against record: CheckpointRecord) throws {
        let digest: String
        if FileManager.default.fileExists(atPath: folder.appendingPathComponent(CheckpointManifest.fileName).path) {
            // Checkpoint.load has already checked every file against the manifest.
            digest = try Checkpoint.manifest(in: folder).files[Checkpoint.FileName.model]?.sha256 ?? ""
        } else {
            let weights = folder.appendingPathComponent(Checkpoint.FileName.model)
            digest = CheckpointManifest.sha256Hex(try DurableFile.read(weights))
        }
        guard digest == record.sha256 else {
            throw CheckpointError(
                path: folder.appendingPathComponent(Checkpoint.FileName.model).path,
                problem: "does not match the SHA-256 the workspace recorded for checkpoint \(record.name) "
                    + "(\(digest.prefix(12))… vs \(record.sha256.prefix(12))…): the files were changed after it "
                    + "was registered")
        }
    }
}
