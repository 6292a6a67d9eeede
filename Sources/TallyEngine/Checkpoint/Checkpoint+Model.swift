import Foundation

/// Moving a ``TransformerModel`` in and out of a ``Checkpoint``.
extension Checkpoint {
    /// The metadata key holding the optimizer's step count (AdamW's bias correction needs it on resume).
    public static let optimizerStepKey = "tally.optimizer_step"

    /// A checkpoint of `model`: its tensors under Hugging Face names and its `config.json`. To resume training
    /// from it, pass `optimizer` (its moments go to `optimizer.safetensors`, its step to the metadata) and
    /// `trainerState` (saved as `trainer_state.json`).
    ///
    /// ```swift
    /// let checkpoint = try Checkpoint(model: model, tokenizer: tokenizer, optimizer: adamW, trainerState: state)
    /// try checkpoint.save(to: folder)
    /// ```
    public init(
        model: TransformerModel, tokenizer: BPETokenizer, optimizer: AdamW? = nil, trainerState: TrainerState? = nil,
        metadata: [String: String] = [:]
    ) throws {
        var metadata = metadata
        var optimizerTensors: [TensorEntry]?
        if let optimizer {
            let state = optimizer.exportState()
            optimizerTensors = state.tensors
            metadata[Self.optimizerStepKey] = String(state.step)
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let encodedConfig: Data
        do {
            encodedConfig = try encoder.encode(model.config)
        } catch {
            throw CheckpointError(path: FileName.config, problem: "cannot be encoded (\(error))")
        }
        let configJSON = try HuggingFaceConfig.withExplicitSpecialTokens(encodedConfig, path: FileName.config)
        self.init(
            modelTensors: model.huggingFaceTensors(), configJSON: configJSON, tokenizer: tokenizer,
            optimizerTensors: optimizerTensors, trainerState: trainerState, metadata: metadata)
    }

    /// Leaves out the optimizer state and trainer state: the weights-only checkpoint one hands on or serves.
    public mutating func dropTrainingState() {
        optimizerTensors = nil
        trainerState = nil
        metadata.removeValue(forKey: Self.optimizerStepKey)
    }

    /// Restores the optimizer state saved with ``init(model:tokenizer:optimizer:trainerState:metadata:)``
    /// into `optimizer` (built for the model ``makeModel()`` returned).
    public func restore(_ optimizer: AdamW) throws {
        guard let optimizerTensors else {
            throw CheckpointError(
                path: path(of: FileName.optimizer), problem: "is missing, so training cannot resume from here")
        }
        guard let stepText = metadata[Self.optimizerStepKey], let step = Int(stepText), step >= 0 else {
            throw CheckpointError(
                path: path(of: FileName.model), problem: "has no \(Self.optimizerStepKey) in its metadata")
        }
        do {
            try optimizer.importState(step: step, tensors: optimizerTensors.byName)
        } catch let error as EngineError {
            throw CheckpointError(path: path(of: FileName.optimizer), problem: error.description)
        }
    }

    /// The model's configuration, decoded from `config.json` (as transformers 4 or 5 writes it). Throws for a
    /// config describing a variant the engine does not build (rotary scaling, biased Llama projections, ...).
    public func modelConfig() throws -> ModelConfig {
        let configPath = path(of: FileName.config)
        let object = try HuggingFaceConfig.normalized(
            try JSONText.object(configJSON, path: configPath), path: configPath)
        do {
            let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
            return try ModelConfig.decode(data, source: configPath)
        } catch let error as ModelConfigError {
            throw CheckpointError(path: error.source, problem: error.message)
        }
    }

    /// Builds the model the checkpoint holds (with a scalar head when it has `score.weight`).
    ///
    /// Throws a ``CheckpointError`` when `config.json` describes a model the engine cannot build, a tensor is
    /// missing or has the wrong shape, or the tokenizer has ids the model's vocabulary lacks.
    public func makeModel() throws -> TransformerModel {
        let config = try modelConfig()
        guard tokenizer.vocabularySize <= config.vocabSize else {
            throw CheckpointError(
                path: path(of: FileName.tokenizer),
                problem: "has \(tokenizer.vocabularySize) tokens but config.json's vocab_size is \(config.vocabSize); "
                    + "the tokenizer does not belong to this model")
        }
        let tensors = modelTensorsByName
        let model = try TransformerModel(config: config, seed: 0, scalarHead: tensors["score.weight"] != nil)
        do {
            try model.loadHuggingFaceTensors(tensors)
        } catch let error as EngineError {
            throw CheckpointError(path: path(of: FileName.model), problem: error.description)
        }
        return model
    }

    /// `name` inside the folder the checkpoint came from, or just `name` for one made in memory (for messages).
    public func path(of name: String) -> String {
        folder?.appendingPathComponent(name).path ?? name
    }
}
