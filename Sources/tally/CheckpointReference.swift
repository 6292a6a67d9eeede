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

/// Finds and loads the checkpoint a `--checkpoint` value names, through the shared ``CheckpointResolver``
/// (a folder, else a workspace checkpoint by name or id, whose weights are checked against the SHA-256 the
/// workspace recorded).
enum CheckpointReference {
    /// Resolves `reference` in `workspace` (or, when nil, only as a folder or through the usual workspace
    /// search).
    static func resolve(_ reference: String, workspace: Workspace?) throws -> ResolvedCheckpoint {
        var option = WorkspaceOption()
        option.workspace = workspace?.root.path
        return try resolve(reference, option: option)
    }

    /// Resolves `reference` in the workspace `option` finds (none is needed for a folder).
    static func resolve(_ reference: String, option: WorkspaceOption) throws -> ResolvedCheckpoint {
        let resolved = try CheckpointResolver(workspace: option).resolve(reference)
        return ResolvedCheckpoint(
            checkpoint: resolved.checkpoint, record: resolved.record,
            displayName: resolved.record?.name ?? reference)
    }
}
