import ArgumentParser
import Foundation
import TallyEngine
import TallyIO
import TallyStore

/// `tally checkpoint import|export`: move model folders in and out of the workspace.
struct CheckpointCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "checkpoint",
        abstract: "Import a model folder as a workspace checkpoint, or export one as a Hugging Face folder.",
        subcommands: [ImportCheckpoint.self, ExportCheckpoint.self, MergeCheckpoint.self]
    )

    struct ImportCheckpoint: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "import",
            abstract: "Copy a checkpoint folder into the workspace (checkpoints/NAME/) and register it.",
            discussion: """
                The folder holds model.safetensors, config.json and tokenizer.json (a Tally checkpoint, verified \
                against its manifest, or one saved by Hugging Face transformers). Only the weights, config and \
                tokenizer are copied. Example:
                  tally checkpoint import datasets/base-model --name base --kind base
                """
        )

        @Argument(help: ArgumentHelp("The checkpoint folder.", valueName: "folder"))
        var folder: String

        @Option(help: "The checkpoint's name in the workspace.")
        var name: String

        @Option(help: "base, sft, rm, dpo or ppo.")
        var kind: String = CheckpointKind.base.rawValue

        @OptionGroup var workspaceOption: WorkspaceOption

        func validate() throws {
            guard CheckpointKind(rawValue: kind) != nil else {
                throw ValidationError("--kind must be base, sft, rm, dpo or ppo, not \(kind)")
            }
        }

        func run() throws {
            try reportingErrors {
                let (workspace, database) = try workspaceOption.open()
                defer { database.close() }
                let record = try CheckpointImport.importFolder(
                    URL(fileURLWithPath: folder, isDirectory: true), name: name,
                    kind: CheckpointKind(rawValue: kind) ?? .base, workspace: workspace, database: database)
                print(
                    "checkpoint \(record.id) \"\(record.name)\" (\(record.kind.rawValue)) in \(record.path), "
                        + "sha256 \(record.sha256)")
            }
        }
    }

    struct ExportCheckpoint: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "export",
            abstract: "Write a checkpoint's weights, config and tokenizer to a folder (no optimizer state).",
            discussion: """
                The folder gets model.safetensors, config.json, tokenizer.json, tokenizer_config.json and \
                tally-manifest.json, written atomically; transformers loads it with from_pretrained. \
                --checkpoint is a workspace checkpoint (name or id) or a folder. Example:
                  tally checkpoint export --checkpoint base --out datasets/base-model
                """
        )

        @Option(help: "The checkpoint: a workspace checkpoint's name or id, or a folder.")
        var checkpoint: String

        @Option(help: ArgumentHelp("The folder to write (replaced if it holds a checkpoint).", valueName: "dir"))
        var out: String

        @OptionGroup var workspaceOption: WorkspaceOption

        func run() throws {
            try reportingErrors {
                var resolved = try CheckpointResolver.resolve(checkpoint, option: workspaceOption)
                _ = try resolved.checkpoint.makeModel()
                resolved.checkpoint.dropTrainingState()
                let manifest = try resolved.checkpoint.save(to: URL(fileURLWithPath: out, isDirectory: true))
                let bytes = manifest.files.values.reduce(0) { $0 + $1.bytes }
                print(
                    String(
                        format: "wrote %@ to %@: %d files, %.1f MB, model.safetensors sha256 %@",
                        TerminalSanitizer.sanitize(resolved.displayName), out, manifest.files.count + 1,
                        Double(bytes) / 1e6, manifest.files[Checkpoint.FileName.model]?.sha256 ?? "?"))
            }
        }
    }
}
