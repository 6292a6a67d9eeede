import Foundation
import Testing

@testable import TallyEngine

/// The scalar-head side of checkpoints: reward models saved by transformers and by PEFT, Tally's own export of a
/// model with a head, a fresh head on a causal LM, and resuming LoRA training of a reward model exactly.
@Suite struct RewardModelCheckpointTests {
    func expectSameScores(_ model: TransformerModel, _ name: String) throws {
        let expected = try PEFTExpectations.load(name)
        let sequences = expected.runs.map(\.ids)
        let scores = try expected.runs.map { try #require($0.score) }
        for padding in [TokenBatch.Padding.right, .left] {
            let rewards = try model.rewards(try TokenBatch(scoring: sequences, padToken: 0, padding: padding))
            for (reward, score) in zip(rewards, scores) {
                #expect(abs(reward - score) < 1e-4, "\(name) \(padding): \(reward) vs transformers' \(score)")
            }
        }
    }

    @Test func rewardModelSavedByTransformersScoresTheSame() throws {
        let checkpoint = try Checkpoint.loadHuggingFace(from: fixturesFolder.appendingPathComponent("gpt2-reward"))
        let model = try checkpoint.makeModel()
        #expect(model.hasScalarHead && model.config.padTokenId == 0)
        try expectSameScores(model, "gpt2-reward")
    }

    /// Tally's `config.json` for a model with a scalar head is the one the fixture script checked loads in
    /// transformers as GPT2ForSequenceClassification with one label and gives the same scores.
    @Test func rewardModelExportedByTallyIsASequenceClassifier() throws {
        let folder = fixturesFolder.appendingPathComponent("gpt2-reward")
        let checkpoint = try Checkpoint.loadHuggingFace(from: folder)
        let model = try checkpoint.makeModel()
        let exported = try Checkpoint(model: model, tokenizer: checkpoint.tokenizer)
        let config = try #require(try JSONSerialization.jsonObject(with: exported.configJSON) as? [String: Any])
        let fixture = try #require(
            try JSONSerialization.jsonObject(with: Data(contentsOf: folder.appendingPathComponent("expected.json")))
                as? [String: Any])
        let verified = try #require(fixture["tally_config"] as? [String: Any])
        #expect(Set(config.keys) == Set(verified.keys))
        for (key, value) in verified { #expect(jsonEqual(config[key], value), "config.json \(key)") }
        let score = try #require(exported.modelTensors.first { $0.name == "score.weight" })
        #expect(score == checkpoint.modelTensorsByName["score.weight"])
        // A model built in Tally gets the same keys, with the tokenizer's <|endoftext|> as pad token.
        let tokenizer = try fixtureTokenizer()
        let fresh = try TransformerModel(
            config: .llama(
                vocabularySize: tokenizer.vocabularySize, contextLength: 8, layers: 1, heads: 2, kvHeads: 1, width: 8,
                intermediateSize: 8),
            seed: 1, scalarHead: true)
        let llamaConfig = try #require(
            try JSONSerialization.jsonObject(with: Checkpoint(model: fresh, tokenizer: tokenizer).configJSON)
                as? [String: Any])
        #expect(llamaConfig["architectures"] as? [String] == ["LlamaForSequenceClassification"])
        #expect(llamaConfig["num_labels"] as? Int == 1)
        #expect(llamaConfig["pad_token_id"] as? Int == tokenizer.addedTokenID("<|endoftext|>"))
        let plain = try TransformerModel(config: fresh.config, seed: 1)
        let plainConfig = try #require(
            try JSONSerialization.jsonObject(with: Checkpoint(model: plain, tokenizer: tokenizer).configJSON)
                as? [String: Any])
        #expect(plainConfig["architectures"] as? [String] == ["LlamaForCausalLM"] && plainConfig["num_labels"] == nil)
    }

    /// PEFT's SEQ_CLS adapter on a causal-LM base: the trained head comes from the adapter (modules_to_save).
    @Test func rewardAdapterSavedByPEFTScoresTheSameAndIsWrittenBackAlike() throws {
        let name = "peft-gpt2-reward-lora"
        let checkpoint = try Checkpoint.loadHuggingFace(from: fixturesFolder.appendingPathComponent(name))
        #expect(checkpoint.modelTensorsByName["score.weight"] == nil, "the base is a causal LM")
        let model = try checkpoint.makeModel()
        #expect(model.hasScalarHead && model.lora?.configuration.targets == [.attention])
        #expect(!model.frozenGroups.contains(.scalarHead))
        try expectSameScores(model, name)
        try expectAdapterWrittenAsPEFTDoes(model, name)
    }

    @Test func freshScalarHeadOnACausalLanguageModel() throws {
        let checkpoint = try Checkpoint.loadHuggingFace(from: fixturesFolder.appendingPathComponent("gpt2-tiny"))
        let plain = try checkpoint.makeModel()
        let a = try checkpoint.makeModel(freshScalarHeadSeed: 5)
        let b = try checkpoint.makeModel(freshScalarHeadSeed: 5)
        let c = try checkpoint.makeModel(freshScalarHeadSeed: 6)
        #expect(!plain.hasScalarHead && a.hasScalarHead)
        func head(_ model: TransformerModel) -> TensorEntry? {
            model.huggingFaceTensors().first { $0.name == "score.weight" }
        }
        let headA = try #require(head(a))
        #expect(headA.shape == [1, 32] && headA.values.contains { $0 != 0 })
        #expect(headA == head(b) && headA != head(c))
        #expect(Array(a.huggingFaceTensors().dropLast()) == plain.huggingFaceTensors(), "the base weights are loaded")
        // A checkpoint that has a head keeps it.
        let reward = try Checkpoint.loadHuggingFace(from: fixturesFolder.appendingPathComponent("gpt2-reward"))
        #expect(try head(reward.makeModel(freshScalarHeadSeed: 5)) == reward.modelTensorsByName["score.weight"])
    }

    /// LoRA and a scalar head trained with a reward loss, saved with the optimizer mid-run and resumed: the same
    /// adapters, head and moments come back, and training continues bit for bit as if never interrupted.
    @Test func loraRewardTrainingResumesExactly() throws {
        let workspace = try makeTemporaryFolder()
        defer { try? FileManager.default.removeItem(at: workspace) }
        let tokenizer = try fixtureTokenizer()
        let config = ModelConfig.gpt2(
            vocabularySize: tokenizer.vocabularySize, contextLength: 16, layers: 2, heads: 2, width: 16)
        func start() throws -> (TransformerModel, AdamW) {
            let model = try TransformerModel(config: config, seed: 4, scalarHead: true)
            try model.attachLoRA(LoRAConfiguration(rank: 2, alpha: 4, targets: [.attention, .mlpUp]), seed: 5)
            return (model, AdamW(model: model))
        }
        func train(_ model: TransformerModel, _ optimizer: AdamW, steps: Range<Int>) throws {
            for step in steps {
                let batch = try TokenBatch(
                    scoring: (0..<4).map { row in
                        (0..<(5 + row)).map { Int32((step * 13 + row * 7 + $0 * 3) % 300 + 1) }
                    },
                    padding: step % 2 == 0 ? .right : .left)
                model.zeroGradients()
                let gradients = bradleyTerry(try model.rewards(batch), batch: batch).valueGradients
                try model.backward(logProbGradients: nil, valueGradients: gradients)
                optimizer.step(learningRate: 1e-2)
            }
        }
        let (uninterrupted, uninterruptedOptimizer) = try start()
        try train(uninterrupted, uninterruptedOptimizer, steps: 0..<6)

        let (first, firstOptimizer) = try start()
        try train(first, firstOptimizer, steps: 0..<3)
        let folder = workspace.appendingPathComponent("rm-step-3")
        try Checkpoint(
            model: first, tokenizer: tokenizer, optimizer: firstOptimizer,
            trainerState: TrainerState(trainer: "reward", step: 3)
        ).save(to: folder)
        let names = try SafeTensors.read(contentsOf: folder.appendingPathComponent("optimizer.safetensors")).tensors
            .map(\.name)
        #expect(names.contains("score.weight.exp_avg") && names.contains("h.1.mlpUp.lora_B.exp_avg_sq"))

        let loaded = try Checkpoint.load(from: folder)
        let resumed = try loaded.makeModel()
        #expect(resumed.lora?.configuration == first.lora?.configuration)
        let resumedOptimizer = AdamW(model: resumed)
        try loaded.restore(resumedOptimizer)
        #expect(resumedOptimizer.stepCount == 3)
        try train(resumed, resumedOptimizer, steps: 3..<6)

        let expectedAdapters = try #require(uninterrupted.lora).tensors()
        let actualAdapters = try #require(resumed.lora).tensors()
        #expect(actualAdapters.map(\.name) == expectedAdapters.map(\.name))
        for (actual, expected) in zip(actualAdapters, expectedAdapters) {
            #expect(bitPatterns(actual.values) == bitPatterns(expected.values), "\(actual.name)")
        }
        for (actual, expected) in zip(resumed.huggingFaceTensors(), uninterrupted.huggingFaceTensors()) {
            #expect(bitPatterns(actual.values) == bitPatterns(expected.values), "\(actual.name)")
        }
        let base = try TransformerModel(config: config, seed: 4, scalarHead: true)
        let moved = zip(resumed.huggingFaceTensors(), base.huggingFaceTensors()).filter { $0.values != $1.values }
        #expect(moved.map(\.0.name) == ["score.weight"], "only the head and the adapters train")
    }

    /// Merging folds the adapters into the weights: the merged model computes what the adapted one did, and its
    /// folder has plain weights only.
    @Test(arguments: ["peft-gpt2-lora", "peft-llama-lora", "peft-gpt2-reward-lora"])
    func mergedWeightsComputeWhatTheAdaptersDid(name: String) throws {
        let workspace = try makeTemporaryFolder()
        defer { try? FileManager.default.removeItem(at: workspace) }
        let checkpoint = try Checkpoint.loadHuggingFace(from: fixturesFolder.appendingPathComponent(name))
        let adapted = try checkpoint.makeModel()
        let merged = try checkpoint.mergingAdapters()
        #expect(merged.adapter == nil && merged.optimizerTensors == nil)
        let folder = workspace.appendingPathComponent("merged")
        let manifest = try merged.save(to: folder)
        #expect(manifest.files.keys.allSatisfy { !$0.hasPrefix("adapter") })
        let model = try Checkpoint.load(from: folder).makeModel()
        #expect(model.lora == nil && model.frozenGroups.isEmpty)
        let batch = try TokenBatch(sequences: [[5, 17, 42, 99, 7, 250], [300, 2, 88, 19]])
        for (a, b) in zip(try model.sequenceLogProbs(batch), try adapted.sequenceLogProbs(batch)) {
            #expect(abs(a - b) < 1e-4, "\(name): merged \(a) vs adapted \(b)")
        }
        // The merged weights are float32: a config saying bfloat16 (llama-tiny's) would make transformers round them.
        let config = try #require(try JSONSerialization.jsonObject(with: merged.configJSON) as? [String: Any])
        #expect(["float32", nil].contains(config["dtype"] as? String))
        if adapted.hasScalarHead {
            let scoring = try TokenBatch(scoring: [[5, 17, 42], [300, 2, 88, 19]])
            for (a, b) in zip(try model.rewards(scoring), try adapted.rewards(scoring)) { #expect(abs(a - b) < 1e-4) }
            #expect(config["architectures"] as? [String] == ["GPT2ForSequenceClassification"])
            #expect(config["num_labels"] as? Int == 1 && config["pad_token_id"] as? Int == 0)
        }
    }

    @Test func mergingACheckpointWithoutAdaptersIsRefused() throws {
        let checkpoint = try Checkpoint.loadHuggingFace(from: fixturesFolder.appendingPathComponent("gpt2-tiny"))
        let error = #expect(throws: CheckpointError.self) { try checkpoint.mergingAdapters() }
        #expect(error?.path.hasSuffix("gpt2-tiny/adapter_config.json") == true)
    }
}
