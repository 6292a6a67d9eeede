import Foundation

/// Loading LoRA adapters saved by PEFT onto a base model.
extension Checkpoint {
    /// The base model in `base` (a Tally checkpoint or a folder saved by transformers) with the PEFT adapter in
    /// `adapterFolder` (`adapter_config.json`, `adapter_model.safetensors`; verified against a Tally manifest
    /// when the folder has one). ``makeModel(freshScalarHeadSeed:)`` then attaches the adapters; saving writes
    /// them beside the base weights. A `tokenizer.json` in the adapter folder replaces the base's. The base's
    /// optimizer and trainer state are left out: they belong to the base's own training.
    ///
    /// ```swift
    /// let checkpoint = try Checkpoint.load(adapterFolder: URL(fileURLWithPath: "my-lora"),
    ///                                      base: URL(fileURLWithPath: "gpt2-small"))
    /// let model = try checkpoint.makeModel()      // LoRA attached, as PeftModel.from_pretrained does
    /// ```
    ///
    /// Throws a ``CheckpointError`` naming the file when either folder cannot be read, and when the base
    /// already carries adapters of its own (merge them first: ``mergingAdapters()``). Whether the engine can
    /// represent the adapter is checked by ``makeModel(freshScalarHeadSeed:)``.
    public static func load(adapterFolder: URL, base: URL) throws -> Checkpoint {
        var checkpoint = try loadHuggingFace(from: base)
        if checkpoint.adapter != nil {
            throw CheckpointError(
                path: base.appendingPathComponent(FileName.adapterConfig).path,
                problem: "the base already has LoRA adapters; merge them into its weights first "
                    + "(tally checkpoint merge) and load the new adapter onto the merged folder")
        }
        checkpoint.dropTrainingState()
        checkpoint.adapter = try PEFTAdapter.load(from: adapterFolder)
        let tokenizerURL = adapterFolder.appendingPathComponent(FileName.tokenizer)
        if FileManager.default.fileExists(atPath: tokenizerURL.path) {
            checkpoint.tokenizer = try BPETokenizer(
                jsonData: try CheckpointFile.read(tokenizerURL), path: tokenizerURL.path)
        }
        return checkpoint
    }

    /// Whether `folder` holds a PEFT adapter without base weights of its own.
    static func isAdapterOnly(_ folder: URL) -> Bool {
        let exists = { (name: String) in
            FileManager.default.fileExists(atPath: folder.appendingPathComponent(name).path)
        }
        return exists(FileName.adapterConfig) && !exists(FileName.model)
    }

    /// Loads the adapter-only `folder` onto the base its `base_model_name_or_path` names: an absolute path, or a
    /// path relative to the adapter folder or else to the working directory.
    static func loadAdapterFolder(_ folder: URL) throws -> Checkpoint {
        let configURL = folder.appendingPathComponent(FileName.adapterConfig)
        let object = try JSONText.object(try CheckpointFile.read(configURL), path: configURL.path)
        let howTo =
            "; Tally cannot download from the Hugging Face Hub: save the base model to a folder and set "
            + "base_model_name_or_path to it, or load with Checkpoint.load(adapterFolder:base:)"
        guard let named = object["base_model_name_or_path"] as? String, !named.isEmpty else {
            throw CheckpointError(
                path: configURL.path,
                problem: "has no base_model_name_or_path and the folder has no model.safetensors, so there is no "
                    + "base model to put the adapter on" + howTo)
        }
        let candidates =
            named.hasPrefix("/")
            ? [URL(fileURLWithPath: named, isDirectory: true)]
            : [
                folder.appendingPathComponent(named, isDirectory: true),
                URL(fileURLWithPath: named, isDirectory: true),
            ]
        guard
            let base = candidates.first(where: {
                FileManager.default.fileExists(atPath: $0.appendingPathComponent(FileName.config).path)
            })
        else {
            throw CheckpointError(
                path: configURL.path,
                problem: "names the base model \"\(named)\" (base_model_name_or_path), which is not a model folder "
                    + "here" + howTo)
        }
        guard base.standardizedFileURL != folder.standardizedFileURL else {
            throw CheckpointError(
                path: configURL.path, problem: "names its own folder as the base, which has no model.safetensors")
        }
        return try load(adapterFolder: folder, base: base)
    }
}
