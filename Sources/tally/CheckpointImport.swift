import Foundation
import TallyEngine
import TallyStore

/// Copies a checkpoint folder into the workspace and records it, so that responses sampled from it
/// name the model that wrote them.
enum CheckpointImport {
    /// Saves the checkpoint in `folder` (verified against its manifest when it has one) to
    /// `checkpoints/<name>/` inside the workspace, atomically, and registers it. Weights only: optimizer
    /// state and trainer state are left behind. Returns the new record.
    static func importFolder(
        _ folder: URL, name: String, kind: CheckpointKind, workspace: Workspace,
        database: TallyDatabase
    ) throws -> CheckpointRecord {
        guard Workspace.isValidCheckpointName(name) else {
            throw CommandError(
                "\"\(name)\" is not a usable checkpoint name; use letters, digits, '-', '_' and '.' "
                    + "(not starting with '.')")
        }
        if try database.checkpoint(named: name) != nil {
            throw CommandError("the workspace already has a checkpoint named \"\(name)\"; choose another name")
        }
        var checkpoint = try Checkpoint.loadHuggingFace(from: folder)
        _ = try checkpoint.makeModel()  // refuse a folder the engine cannot run before copying it
        checkpoint.dropTrainingState()
        let destination = workspace.checkpointFolder(name: name)
        let manifest = try checkpoint.save(to: destination)
        guard let weights = manifest.files[Checkpoint.FileName.model] else {
            throw CheckpointError(path: destination.path, problem: "was saved without model.safetensors")
        }
        let id = try database.registerCheckpoint(
            name: name, kind: kind, parentID: nil, path: Workspace.checkpointPath(name: name),
            config: String(decoding: checkpoint.configJSON, as: UTF8.self), sha256: weights.sha256)
        guard let record = try database.checkpoint(named: name), record.id == id else {
            throw CommandError("checkpoint \"\(name)\" was registered but cannot be read back")
        }
        return record
    }
}
