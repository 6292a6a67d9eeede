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
        _ folder: URL, name: String, kind: CheckpointKind, parentID: Int64? = nil, workspace: Workspace,
        database: TallyDatabase
    ) throws -> CheckpointRecord {
        guard isValidName(name) else {
            throw ModelCommandError(
                "\"\(name)\" is not a usable checkpoint name; use letters, digits, '-', '_' and '.' "
                    + "(not starting with '.')")
        }
        if try database.checkpoint(named: name) != nil {
            throw ModelCommandError("the workspace already has a checkpoint named \"\(name)\"; choose another name")
        }
        var checkpoint = try Checkpoint.loadHuggingFace(from: folder)
        _ = try checkpoint.makeModel()  // refuse a folder the engine cannot run before copying it
        checkpoint.optimizerTensors = nil
        checkpoint.trainerState = nil
        checkpoint.metadata.removeValue(forKey: Checkpoint.optimizerStepKey)
        let relativePath = Workspace.checkpointsFolderName + "/" + name
        let destination = workspace.root.appendingPathComponent(relativePath, isDirectory: true)
        let manifest = try checkpoint.save(to: destination)
        guard let weights = manifest.files[Checkpoint.FileName.model] else {
            throw CheckpointError(path: destination.path, problem: "was saved without model.safetensors")
        }
        let id = try database.registerCheckpoint(
            name: name, kind: kind, parentID: parentID, path: relativePath,
            config: String(decoding: checkpoint.configJSON, as: UTF8.self), sha256: weights.sha256)
        guard let record = try database.checkpoints().first(where: { $0.id == id }) else {
            throw ModelCommandError("checkpoint \"\(name)\" was registered but cannot be read back")
        }
        return record
    }

    /// Names that are safe as a folder name and easy to type.
    static func isValidName(_ name: String) -> Bool {
        !name.isEmpty && !name.hasPrefix(".") && name.count <= 100
            && name.unicodeScalars.allSatisfy { scalar in
                scalar.isASCII && (CharacterSet.alphanumerics.contains(scalar) || "-_.".unicodeScalars.contains(scalar))
            }
    }
}
