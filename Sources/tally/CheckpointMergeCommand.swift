import ArgumentParser
import Foundation
import TallyEngine
import TallyIO

extension CheckpointCommand {
    /// `tally checkpoint merge`: fold a checkpoint's LoRA adapters into its weights and write the result.
    struct MergeCheckpoint: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "merge",
            abstract: "Fold a checkpoint's LoRA adapters into its weights and write a plain Hugging Face folder.",
            discussion: """
                A checkpoint trained with LoRA keeps its base weights and its adapters apart (adapter_config.json \
                and adapter_model.safetensors, in PEFT's layout). merge adds each adapter's update \
                (alpha/r · B·A) to the weight it adapts, as PEFT's merge_and_unload() does, and writes \
                model.safetensors, config.json, tokenizer.json and a manifest, without adapter files or optimizer \
                state: the folder loads in transformers without peft, and samples faster. A scalar head trained \
                with the adapters is kept.

                --checkpoint is a workspace checkpoint (name or id), a checkpoint folder, or a folder holding only \
                a PEFT adapter whose adapter_config.json names a local base folder in base_model_name_or_path. \
                The merged folder is not registered in the workspace; `tally checkpoint import` does that. Example:
                  tally checkpoint merge --checkpoint rm-lora --out merged/rm
                """
        )

        @Option(help: "The checkpoint with adapters: a workspace checkpoint's name or id, or a folder.")
        var checkpoint: String

        @Option(help: ArgumentHelp("The folder to write (replaced if it holds a checkpoint).", valueName: "dir"))
        var out: String

        @OptionGroup var workspaceOption: WorkspaceOption

        func run() throws {
            try reportingErrors {
                let resolved = try CheckpointResolver.resolve(checkpoint, option: workspaceOption)
                guard resolved.checkpoint.adapter != nil else {
                    throw CommandError(
                        "\(TerminalSanitizer.sanitize(resolved.displayName)) has no LoRA adapters (no "
                            + "\(Checkpoint.FileName.adapterConfig)), so there is nothing to merge; "
                            + "`tally checkpoint export` copies it as it is")
                }
                let merged = try resolved.checkpoint.mergingAdapters()
                let manifest = try merged.save(to: URL(fileURLWithPath: out, isDirectory: true))
                print(
                    "merged the LoRA adapters of \(TerminalSanitizer.sanitize(resolved.displayName)) into its "
                        + "weights in \(out): model.safetensors sha256 "
                        + (manifest.files[Checkpoint.FileName.model]?.sha256 ?? "?")
                )
            }
        }
    }
}
