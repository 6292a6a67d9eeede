import Foundation

/// Moving a ``TransformerModel`` in and out of a ``Checkpoint``.
extension Checkpoint {
    /// The metadata key holding the optimizer's step count (AdamW's bias correction needs it on resume).
    public static let optimizerStepKey = "tally.optimizer_step"

    /// A checkpoint of `model`: its tensors under Hugging Face names and its `config.json`. To resume training
    /// from it, pass `optimizer` (its moments go to `optimizer.safetensors`, its step to the metadata) and
    /// `trainerState` (saved as `trainer_state.json`).
    ///
    /// With LoRA attached, `model.safetensors` keeps the un-merged base weights and the adapters go beside them
    /// in PEFT's layout (``PEFTAdapter``); ``makeModel(freshScalarHeadSeed:)`` attaches them again, so the
    /// optimizer state (which names the adapters and the scalar head) restores onto the same tensors. With a
    /// scalar head, `config.json` describes transformers' `*ForSequenceClassification` with one label and a
    /// `pad_token_id` (the config's, else the tokenizer's `<|endoftext|>`, else the first end-of-sequence id,
    /// else 0).
    ///
    /// ```swift
    /// try model.attachLoRA(LoRAConfiguration(rank: 8, alpha: 16), seed: 1)
    /// let optimizer = AdamW(model: model)
    /// // ... train ...
    /// let checkpoint = try Checkpoint(model: model, tokenizer: tokenizer, optimizer: optimizer, trainerState: state)
    /// try checkpoint.save(to: folder)
    ///
    /// let loaded = try Checkpoint.load(from: folder)
    /// let resumed = try loaded.makeModel()          // LoRA attached, base frozen, scalar head trainable
    /// let resumedOptimizer = AdamW(model: resumed)
    /// try loaded.restore(resumedOptimizer)
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
        var configJSON = try HuggingFaceConfig.withExplicitSpecialTokens(encodedConfig, path: FileName.config)
        if model.hasScalarHead {
            configJSON = try HuggingFaceConfig.forSequenceClassification(
                configJSON, padTokenID: Self.padTokenID(model.config, tokenizer), path: FileName.config)
        }
        self.init(
            modelTensors: model.huggingFaceTensors(), configJSON: configJSON, tokenizer: tokenizer,
            optimizerTensors: optimizerTensors, trainerState: trainerState, metadata: metadata,
            adapter: model.lora == nil ? nil : try PEFTAdapter(model: model))
    }

    /// The `pad_token_id` written for a model with a scalar head: the config's, else the tokenizer's
    /// `<|endoftext|>` (the pad token of `tokenizer_config.json`), else the first end-of-sequence id, else 0.
    static func padTokenID(_ config: ModelConfig, _ tokenizer: BPETokenizer) -> Int {
        config.padTokenId ?? tokenizer.addedTokenID(ChatTemplate.endOfText) ?? config.eosTokenIds.first ?? 0
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

    /// Builds the model the checkpoint holds: with a scalar head when it has `score.weight` (in
    /// `model.safetensors` or, trained with LoRA, in the adapter), and with its LoRA adapters attached (base
    /// frozen, scalar head trainable, as ``TransformerModel/attachLoRA(_:seed:)`` leaves them) when it has any.
    ///
    /// With `freshScalarHeadSeed`, a checkpoint without a scalar head (a causal language model, e.g. an SFT
    /// result) gets a fresh one, drawn N(0, 0.02) from the seed: how a reward or value model starts. A checkpoint
    /// that has a head keeps its own.
    ///
    /// ```swift
    /// let rewardModel = try Checkpoint.load(from: sftFolder).makeModel(freshScalarHeadSeed: 7)
    /// rewardModel.hasScalarHead   // true
    /// ```
    ///
    /// Throws a ``CheckpointError`` when `config.json` describes a model the engine cannot build, a tensor is
    /// missing or has the wrong shape, the tokenizer has ids the model's vocabulary lacks, or the adapter is one
    /// the engine cannot represent (naming `adapter_config.json` or `adapter_model.safetensors` and the field or
    /// tensor).
    public func makeModel(freshScalarHeadSeed: UInt64? = nil) throws -> TransformerModel {
        let config = try modelConfig()
        guard tokenizer.vocabularySize <= config.vocabSize else {
            throw CheckpointError(
                path: path(of: FileName.tokenizer),
                problem: "has \(tokenizer.vocabularySize) tokens but config.json's vocab_size is \(config.vocabSize); "
                    + "the tokenizer does not belong to this model")
        }
        var tensors = modelTensorsByName
        let lora = try adapter?.engineLoRA(for: config)
        // A head trained with the adapter (PEFT's modules_to_save) wins over the base's.
        if let head = lora?.scalarHead { tensors[head.name] = head }
        let model = try TransformerModel(
            config: config, seed: freshScalarHeadSeed ?? 0,
            scalarHead: tensors["score.weight"] != nil || freshScalarHeadSeed != nil)
        do {
            try model.loadHuggingFaceTensors(tensors, optional: ["score.weight"])
        } catch let error as EngineError {
            throw CheckpointError(path: path(of: FileName.model), problem: error.description)
        }
        if let lora {
            do {
                try model.attachLoRA(lora.configuration, seed: 0).load(lora.tensors)
            } catch let error as EngineError {
                throw CheckpointError(
                    path: adapter?.path(of: PEFTAdapter.FileName.model) ?? FileName.adapterModel,
                    problem: error.description)
            }
        }
        return model
    }

    /// `name` inside the folder the checkpoint came from, or just `name` for one made in memory (for messages).
    public func path(of name: String) -> String {
        folder?.appendingPathComponent(name).path ?? name
    }
}
