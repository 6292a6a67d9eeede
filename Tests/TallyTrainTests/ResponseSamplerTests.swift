import Foundation
import TallyEngine
import TallyStore
import Testing

@testable import TallyTrain

/// A randomly initialised GPT-2 with a BPE tokenizer trained on transcript-style text.
private func tinySampler(seed: UInt64 = 5) throws -> ResponseSampler {
    let corpus = (0..<30).map { "User: What is \($0) plus 2?\nAssistant: \($0 + 2)\n<|endoftext|>\n" }.joined()
    let tokenizer = try BPETrainer(vocabularySize: 290).train(on: corpus)
    let config = ModelConfig.gpt2(
        vocabularySize: tokenizer.vocabularySize, contextLength: 64, layers: 2, heads: 2, width: 32,
        eosTokenId: tokenizer.id(of: ChatTemplate.endOfText))
    return try ResponseSampler(model: try TransformerModel(config: config, seed: seed), tokenizer: tokenizer)
}

@Test func samplesAreDeterministicForASeedAndDifferAcrossSeeds() throws {
    let sampler = try tinySampler()
    let prompts: [ModelPrompt] = [.continuation("User: What is 4 plus 2?\nAssistant:"), .continuation("User: Hi")]
    let settings = SamplingSettings(maxNewTokens: 10, temperature: 1, seed: 3)
    let first = try sampler.sample(prompts, count: 3, settings: settings)
    #expect(first.count == 2 && first.allSatisfy { $0.count == 3 })
    #expect(try sampler.sample(prompts, count: 3, settings: settings) == first)
    var other = settings
    other.seed = 4
    #expect(try sampler.sample(prompts, count: 3, settings: other) != first)
    for response in first.joined() {
        #expect(response.tokens.count == response.logProbs.count)
        #expect(response.tokens.count <= 10)
        #expect(response.stopped == sampler.stopTokens.contains(response.tokens.last ?? -1))
    }
}

@Test func aResponseEndsBeforeItsStopTokenAndTheTextLeavesItOut() throws {
    let sampler = try tinySampler()
    let endOfText = Int32(sampler.tokenizer.id(of: ChatTemplate.endOfText) ?? -1)
    // Every token a stop token: each response stops at once, with empty text.
    let allStop = SamplingSettings(
        maxNewTokens: 5, temperature: 1, seed: 1, stopTokens: Set((0..<Int32(sampler.model.config.vocabSize))))
    let stopped = try sampler.sample([.continuation("User: Hi")], count: 2, settings: allStop)[0]
    #expect(stopped.allSatisfy { $0.stopped && $0.tokens.count == 1 && $0.text.isEmpty })
    #expect(sampler.stopTokens.contains(endOfText))
}

@Test func aPromptLongerThanTheContextIsRefusedWithItsLength() throws {
    let sampler = try tinySampler()
    let long = ModelPrompt.continuation(String(repeating: "lantern kitten ", count: 60))
    let tokens = try sampler.encode(long)
    #expect(!sampler.fits(tokens))
    #expect(throws: SamplerError.self) {
        try sampler.sample([long], settings: SamplingSettings(maxNewTokens: 4, seed: 1))
    }
}

@Test func theQueueFillerStoresResponsesThatTheirSeedAndParametersReproduce() throws {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("tally-train-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: folder) }
    let database = try Workspace.create(at: folder).openDatabase()
    defer { database.close() }
    let promptIDs = try ["What is 4 plus 2?", "What is 7 plus 2?"].map { try database.addPrompt(.text($0)) }
    let sampler = try tinySampler()
    let settings = SamplingSettings(maxNewTokens: 8, temperature: 0.8, topK: 50, topP: 0.9, seed: 21)
    let filler = RankingQueueFiller(
        database: database, sampler: sampler, checkpointID: nil, responsesPerPrompt: 4, settings: settings)
    let render: (PromptContent) -> ModelPrompt = { content in
        guard case .text(let text) = content else { return .continuation("") }
        return .continuation("User: \(text)\nAssistant:")
    }
    let prompts = try database.promptsAwaitingResponses()
    #expect(prompts.map(\.id) == promptIDs)
    let report = try filler.fill(prompts, render: render)
    #expect(report.prompts == 2 && report.responses == 8)
    #expect(try database.promptsAwaitingResponses().isEmpty)
    #expect(try database.status().openTasks["ranking"] == 2)

    for (index, prompt) in prompts.enumerated() {
        let stored = try (1...4).map { try database.response(id: Int64(index * 4 + $0)) }
        #expect(stored.allSatisfy { $0.promptID == prompt.id })
        let parameters = try #require(stored[0].sampling)
        let seed = try #require(stored[0].seed)
        #expect(seed == Int64(RankingQueueFiller.promptSeed(runSeed: 21, promptID: prompt.id)))
        // The stored parameters and seed alone give the same four responses again.
        let replay = SamplingSettings(
            maxNewTokens: parameters.maxNewTokens ?? 0, temperature: Float(parameters.temperature ?? 1),
            topK: parameters.topK ?? 0, topP: Float(parameters.topP ?? 1), seed: UInt64(seed))
        let again = try sampler.sample([render(prompt.content)], count: 4, settings: replay)[0]
        #expect(again.map(\.text) == stored.map(\.text))
    }
}
