import Foundation
import TallyEngine
import TallyStore

/// Finds the checkpoint a `--checkpoint` value names: a folder in Hugging Face layout (config.json,
/// model.safetensors, tokenizer.json), or a checkpoint of the workspace by id or name. A registered
/// checkpoint's weights are checked against the SHA-256 recorded in the database.
struct CheckpointResolver {
    /// What was found, for messages.
    struct Resolved {
        var checkpoint: Checkpoint
        /// The workspace record, when the checkpoint is registered.
        var record: CheckpointRecord?
        var folder: URL
    }

    var workspace: WorkspaceOption

    func resolve(_ reference: String) throws -> Resolved {
        let directFolder = URL(fileURLWithPath: reference, isDirectory: true)
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: directFolder.path, isDirectory: &isDirectory), isDirectory.boolValue {
            return Resolved(
                checkpoint: try Checkpoint.loadHuggingFace(from: directFolder), record: nil, folder: directFolder)
        }
        let found: Workspace
        do {
            found = try workspace.locate()
        } catch let error as WorkspaceError {
            throw CheckpointError(
                path: reference,
                problem: "is not a folder, and no workspace to look it up in (\(error.description))")
        }
        let database = try found.openDatabase()
        defer { database.close() }
        let records = try database.checkpoints()
        let record = records.first(where: { $0.name == reference })
            ?? Int64(reference).flatMap { id in records.first(where: { $0.id == id }) }
        if let record {
            let folder = found.root.appendingPathComponent(record.path, isDirectory: true)
            let checkpoint = try Checkpoint.loadHuggingFace(from: folder)
            try verify(folder: folder, against: record)
            return Resolved(checkpoint: checkpoint, record: record, folder: folder)
        }
        // A checkpoint still being trained (saved, not yet registered) lives under its name too.
        let unregistered = found.checkpointsURL.appendingPathComponent(reference, isDirectory: true)
        if !reference.contains("/"), FileManager.default.fileExists(atPath: unregistered.path) {
            return Resolved(checkpoint: try Checkpoint.load(from: unregistered), record: nil, folder: unregistered)
        }
        let known = records.map { "\($0.name) (id \($0.id))" }
        throw CheckpointError(
            path: reference,
            problem: "is neither a checkpoint of the workspace \(found.root.path) "
                + (known.isEmpty ? "(it has none yet; train one with `tally pretrain`)" : "(it has: \(known.joined(separator: ", ")))")
                + " nor a folder holding config.json, model.safetensors and tokenizer.json")
    }

    /// Throws when the weights in `folder` are not the ones registered.
    private func verify(folder: URL, against record: CheckpointRecord) throws {
        let manifestURL = folder.appendingPathComponent(CheckpointManifest.fileName)
        let digest: String
        if FileManager.default.fileExists(atPath: manifestURL.path) {
            // Checkpoint.load has already checked every file against the manifest.
            let manifest = try CheckpointManifest(jsonData: try Data(contentsOf: manifestURL), path: manifestURL.path)
            digest = manifest.files[Checkpoint.FileName.model]?.sha256 ?? ""
        } else {
            let weights = folder.appendingPathComponent(Checkpoint.FileName.model)
            digest = CheckpointManifest.sha256Hex(try Data(contentsOf: weights))
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
