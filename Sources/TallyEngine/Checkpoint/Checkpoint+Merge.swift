import Foundation

/// Folding a checkpoint's LoRA adapters into its weights.
extension Checkpoint {
    /// This checkpoint with its LoRA adapters merged into the weights (W + alpha/r · B·A, as PEFT's
    /// `merge_and_unload()` does): plain Hugging Face weights, no adapter files, no optimizer or trainer state.
    /// A scalar head trained with the adapters stays (`score.weight`, with the sequence-classification
    /// `config.json`); the tokenizer and the rest of `config.json` are kept, except that a `dtype` it names
    /// becomes float32 (the merged weights are float32, not representable in a bfloat16 base's precision).
    ///
    /// ```swift
    /// let merged = try Checkpoint.load(from: loraFolder).mergingAdapters()
    /// try merged.save(to: URL(fileURLWithPath: "merged"))   // loads with AutoModelForCausalLM, no peft needed
    /// ```
    ///
    /// Throws a ``CheckpointError`` when the checkpoint has no adapters (naming its `adapter_config.json`), or
    /// as ``makeModel(freshScalarHeadSeed:)`` does.
    public func mergingAdapters() throws -> Checkpoint {
        guard adapter != nil else {
            throw CheckpointError(
                path: path(of: FileName.adapterConfig),
                problem: "is missing: the checkpoint has no LoRA adapters to merge (tally checkpoint export copies "
                    + "it as it is)")
        }
        let model = try makeModel()
        model.mergeLoRA()
        var merged = self
        merged.adapter = nil
        merged.dropTrainingState()
        merged.modelTensors = model.huggingFaceTensors()
        merged.configJSON = try HuggingFaceConfig.declaringFloat32(configJSON, path: path(of: FileName.config))
        if model.hasScalarHead {
            merged.configJSON = try HuggingFaceConfig.forSequenceClassification(
                merged.configJSON, padTokenID: Self.padTokenID(model.config, tokenizer), path: path(of: FileName.config)
            )
        }
        return merged
    }
}
