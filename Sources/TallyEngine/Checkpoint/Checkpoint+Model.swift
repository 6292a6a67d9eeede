import Foundation

/// Moving a ``TransformerModel`` in and out of a ``Checkpoint``.
extension Checkpoint {
    /// A checkpoint of `model`: its tensors under Hugging Face names and its `config.json`.
    ///
    /// ```swift
    /// let checkpoint = try Checkpoint(model: model, tokenizer: tokenizer, trainerState: state)
    /// try checkpoint.save(to: folder)
    /// ```
    public init(
        model: TransformerModel, tokenizer: BPETokenizer, optimizerTensors: [TensorEntry]? = nil,
        trainerState: TrainerState? = nil, metadata: [String: String] = [:]
    ) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let configJSON: Data
        do {
            configJSON = try encoder.encode(model.config)
        } catch {
            throw CheckpointError(path: FileName.config, problem: "cannot be encoded (\(error))")
        }
        self.init(
            modelTensors: model.huggingFaceTensors(), configJSON: configJSON, tokenizer: tokenizer,
            optimizerTensors: optimizerTensors, trainerState: trainerState, metadata: metadata)
    }

    /// The model's configuration, decoded from `config.json`.
    public func modelConfig() throws -> ModelConfig {
        do {
            return try ModelConfig.decode(configJSON, source: FileName.config)
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
                path: FileName.tokenizer,
                problem: "has \(tokenizer.vocabularySize) tokens but config.json's vocab_size is \(config.vocabSize); "
                    + "the tokenizer does not belong to this model")
        }
        let tensors = modelTensorsByName
        let model = try TransformerModel(config: config, seed: 0, scalarHead: tensors["score.weight"] != nil)
        do {
            try model.loadHuggingFaceTensors(tensors)
        } catch let error as EngineError {
            throw CheckpointError(path: FileName.model, problem: error.description)
        }
        return model
    }
}
