import Foundation
import Testing

@testable import TallyEngine

/// The engine's greedy choice at every position from the last prompt token on, in one forward pass over the
/// prompt followed by `continuation`. When each choice equals the next token of `continuation`, greedy
/// decoding from the prompt produces exactly `continuation` (by induction over the steps), so this checks
/// greedy generation without a pass per token. Also returns the log-probabilities after the prompt.
func greedyChoices(_ model: TransformerModel, prompt: [Int], continuation: [Int]) throws -> (
    choices: [Int], firstLogProbs: [Float]
) {
    let sequence = (prompt + continuation.dropLast()).map { Int32($0) }
    let batch = TokenBatch(
        batchSize: 1, length: sequence.count, tokens: sequence, targets: [Int32](repeating: -1, count: sequence.count))
    try model.forward(batch)
    var choices: [Int] = []
    var firstLogProbs: [Float] = []
    for position in (prompt.count - 1)..<sequence.count {
        let probabilities = Array(model.probabilities(row: 0, position: position))
        if position == prompt.count - 1 { firstLogProbs = probabilities.map { log($0) } }
        choices.append(probabilities.indices.max { probabilities[$0] < probabilities[$1] } ?? -1)
    }
    return (choices, firstLogProbs)
}

func logSoftmax(_ logits: [Float]) -> [Float] {
    let largest = logits.max() ?? 0
    let total = logits.reduce(Float(0)) { $0 + exp($1 - largest) }
    return logits.map { $0 - largest - log(total) }
}

/// Loads a folder saved by transformers, builds the engine's model and checks its log-probabilities and
/// greedy tokens against what transformers computed.
func expectSameGreedyTokensAsTransformers(_ name: String) throws {
    let checkpoint = try Checkpoint.loadHuggingFace(from: fixturesFolder.appendingPathComponent(name))
    let model = try checkpoint.makeModel()
    let fixture = try GenerationFixture.load(name)
    for run in fixture.runs {
        #expect(run.generatedIDs.count == fixture.maxNewTokens)
        let result = try greedyChoices(model, prompt: run.promptIDs, continuation: run.generatedIDs)
        let expected = logSoftmax(run.lastPromptLogits)
        let largestError = zip(result.firstLogProbs, expected).map { abs($0 - $1) }.max() ?? .infinity
        #expect(
            largestError < 1e-3, "\(name) \(run.prompt.debugDescription): log-probabilities differ by \(largestError)")
        #expect(result.choices == run.generatedIDs, "\(name) \(run.prompt.debugDescription)")
    }
}

@Test func gpt2FromTransformersGeneratesTheSameGreedyTokens() throws {
    try expectSameGreedyTokensAsTransformers("gpt2-tiny")
}

@Test func llamaFromTransformersGeneratesTheSameGreedyTokens() throws {
    try expectSameGreedyTokensAsTransformers("llama-tiny")
}

@Test func llama3StyleFromTransformersGeneratesTheSameGreedyTokens() throws {
    try expectSameGreedyTokensAsTransformers("llama3-tiny")
}

@Test func modelSavedInACheckpointComesBackIdentical() throws {
    let workspace = try makeTemporaryFolder()
    defer { try? FileManager.default.removeItem(at: workspace) }
    let tokenizer = try fixtureTokenizer()
    let config = ModelConfig.llama(
        vocabularySize: tokenizer.vocabularySize, contextLength: 32, layers: 1, heads: 4, kvHeads: 2, width: 16,
        intermediateSize: 32)
    let model = try TransformerModel(config: config, seed: 9)
    try Checkpoint(model: model, tokenizer: tokenizer).save(to: workspace.appendingPathComponent("c"))
    let loaded = try Checkpoint.load(from: workspace.appendingPathComponent("c")).makeModel()
    #expect(loaded.config == model.config)
    #expect(loaded.huggingFaceTensors() == model.huggingFaceTensors())
}

@Test func modelWithATokenizerLargerThanItsVocabularyIsRefused() throws {
    var checkpoint = try Checkpoint.loadHuggingFace(from: fixturesFolder.appendingPathComponent("gpt2-tiny"))
    checkpoint.configJSON = Data(
        String(decoding: checkpoint.configJSON, as: UTF8.self)
            .replacingOccurrences(of: "\"vocab_size\": 389", with: "\"vocab_size\": 300").utf8)
    let error = #expect(throws: CheckpointError.self) { try checkpoint.makeModel() }
    #expect(error?.problem.contains("vocab_size is 300") == true)
}

/// The engine's KV-cache sampler, run greedily on a folder saved by transformers, gives generate()'s tokens.
func expectSamplerMatchesTransformers(_ name: String) throws {
    let checkpoint = try Checkpoint.loadHuggingFace(from: fixturesFolder.appendingPathComponent(name))
    let model = try checkpoint.makeModel()
    let fixture = try GenerationFixture.load(name)
    let settings = SamplingSettings(maxNewTokens: fixture.maxNewTokens, temperature: 0, stopTokens: [])
    let prompts = fixture.runs.map { $0.promptIDs.map { Int32($0) } }
    let generated = try model.generate(prompts: prompts, settings: settings)
    for (run, sequence) in zip(fixture.runs, generated) {
        #expect(sequence.tokens.map { Int($0) } == run.generatedIDs, "\(name) \(run.prompt.debugDescription)")
    }
}

@Test func gpt2SamplerGeneratesWhatTransformersGenerates() throws {
    try expectSamplerMatchesTransformers("gpt2-tiny")
}

@Test func llamaSamplerGeneratesWhatTransformersGenerates() throws {
    try expectSamplerMatchesTransformers("llama-tiny")
}

@Test func llama3StyleSamplerGeneratesWhatTransformersGenerates() throws {
    try expectSamplerMatchesTransformers("llama3-tiny")
}

@Test func ropeThetaNestedByNewerTransformersIsRead() throws {
    let checkpoint = try Checkpoint.loadHuggingFace(from: fixturesFolder.appendingPathComponent("llama-tiny"))
    #expect(String(decoding: checkpoint.configJSON, as: UTF8.self).contains("\"rope_parameters\""))
    #expect(try checkpoint.modelConfig().ropeTheta == 500_000)
}

@Test func configVariantsTheEngineDoesNotBuildAreRefused() throws {
    let llama = try Checkpoint.loadHuggingFace(from: fixturesFolder.appendingPathComponent("llama-tiny"))
    let gpt2 = try Checkpoint.loadHuggingFace(from: fixturesFolder.appendingPathComponent("gpt2-tiny"))
    func refusal(_ base: Checkpoint, _ change: (inout [String: Any]) -> Void) throws -> String {
        var checkpoint = base
        var config = try #require(try JSONSerialization.jsonObject(with: base.configJSON) as? [String: Any])
        change(&config)
        checkpoint.configJSON = try JSONSerialization.data(withJSONObject: config)
        let error = #expect(throws: CheckpointError.self) { try checkpoint.makeModel() }
        return error?.description ?? ""
    }
    #expect(
        try refusal(llama) { $0["rope_parameters"] = ["rope_type": "llama3", "rope_theta": 5e5] }.contains("llama3"))
    #expect(try refusal(llama) { $0["rope_scaling"] = ["type": "linear", "factor": 2] }.contains("linear"))
    #expect(try refusal(llama) { $0["attention_bias"] = true }.contains("attention_bias"))
    #expect(try refusal(llama) { $0["hidden_act"] = "gelu" }.contains("hidden_act"))
    #expect(try refusal(llama) { $0["head_dim"] = 16 }.contains("head_dim"))
    #expect(try refusal(gpt2) { $0["activation_function"] = "relu" }.contains("activation_function"))
    #expect(try refusal(gpt2) { $0["scale_attn_by_inverse_layer_idx"] = true }.contains("scale_attn_by_inverse"))
}

@Test func savedConfigNamesNoSpecialTokensRatherThanGPT2Defaults() throws {
    let tokenizer = try fixtureTokenizer()
    let config = ModelConfig.gpt2(
        vocabularySize: tokenizer.vocabularySize, contextLength: 16, layers: 1, heads: 2, width: 8)
    let checkpoint = try Checkpoint(model: try TransformerModel(config: config, seed: 1), tokenizer: tokenizer)
    let object = try #require(try JSONSerialization.jsonObject(with: checkpoint.configJSON) as? [String: Any])
    #expect(object["eos_token_id"] is NSNull)
    #expect(object["bos_token_id"] is NSNull)
    #expect(try checkpoint.modelConfig() == config)
}
