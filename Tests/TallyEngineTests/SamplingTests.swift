import Foundation
import Testing

@testable import TallyEngine

@Suite struct SamplingTests {
    /// Softmax of one logits row, for comparing with the full forward's probabilities.
    func softmax(_ row: UnsafeMutableBufferPointer<Float>, at k: Int, vocabulary: Int) -> [Float] {
        let slice = (0..<vocabulary).map { row[k * vocabulary + $0] }
        let top = slice.max()!
        let exps = slice.map { Foundation.exp($0 - top) }
        let total = exps.reduce(0, +)
        return exps.map { $0 / total }
    }

    @Test(arguments: [TinyConfigs.gpt2, TinyConfigs.llama])
    func cachedDecodingMatchesTheFullForward(config: ModelConfig) throws {
        let model = try TransformerModel(config: config, seed: 5)
        randomize(model.parameters, count: model.parameterCount, seed: 6, scale: 0.3)
        let sequences: [[Int32]] = [[1, 2, 3, 4, 5, 6], [7, 8, 9, 10]]
        let batch = try TokenBatch(sequences: sequences.map { $0 + [0] }, length: 6)
        try model.forward(batch)
        let V = config.vocabSize
        // Prefill three tokens of each sequence together, then feed the rest one at a time.
        let decoder = KVCacheDecoder(model: model, sequences: 2, capacity: 8, maxEntries: 6)
        var logits = try decoder.forward(
            tokens: [1, 2, 3, 7, 8, 9], sequences: [0, 0, 0, 1, 1, 1],
            positions: [0, 1, 2, 0, 1, 2], logitsFor: [0, 1, 2, 3, 4, 5])
        for (k, (row, t)) in [(0, 0), (0, 1), (0, 2), (1, 0), (1, 1), (1, 2)].enumerated() {
            let expected = Array(model.probabilities(row: row, position: t))
            for (a, b) in zip(softmax(logits, at: k, vocabulary: V), expected) { #expect(abs(a - b) < 1e-5) }
        }
        for t in 3..<6 {
            let tokens: [Int32] = t < 4 ? [sequences[0][t], sequences[1][t]] : [sequences[0][t]]
            let rows: [Int32] = t < 4 ? [0, 1] : [0]
            logits = try decoder.forward(
                tokens: tokens, sequences: rows, positions: rows.map { _ in Int32(t) },
                logitsFor: Array(0..<rows.count))
            for (k, row) in rows.enumerated() {
                let expected = Array(model.probabilities(row: Int(row), position: t))
                for (a, b) in zip(softmax(logits, at: k, vocabulary: V), expected) { #expect(abs(a - b) < 1e-5) }
            }
        }
    }

    /// Wide enough that decoding splits its products over the cores and prefill attends in parallel
    /// (``linearForward``'s and ``KVCacheDecoder``'s thresholds), which the tiny configs never reach.
    @Test func cachedDecodingMatchesTheFullForwardAtDecodingSizes() throws {
        let config = ModelConfig.gpt2(vocabularySize: 300, contextLength: 32, layers: 2, heads: 4, width: 256)
        let model = try TransformerModel(config: config, seed: 5)
        randomize(model.parameters, count: model.parameterCount, seed: 6, scale: 0.05)
        let sequences: [[Int32]] = [
            (0..<20).map { Int32(($0 * 37 + 11) % 300) }, (0..<14).map { Int32($0 * 13 % 300) },
        ]
        try model.forward(try TokenBatch(sequences: sequences.map { $0 + [0] }, length: 20))
        let decoder = KVCacheDecoder(model: model, sequences: 2, capacity: 32, maxEntries: 32)
        let prefill = [16, 12]
        var tokens: [Int32] = []
        var rows: [Int32] = []
        var positions: [Int32] = []
        for (row, sequence) in sequences.enumerated() {
            tokens += sequence[..<prefill[row]]
            rows += Array(repeating: Int32(row), count: prefill[row])
            positions += (0..<prefill[row]).map(Int32.init)
        }
        var logits = try decoder.forward(
            tokens: tokens, sequences: rows, positions: positions, logitsFor: [prefill[0] - 1, tokens.count - 1])
        func expectMatches(row: Int, position: Int, k: Int) {
            let expected = Array(model.probabilities(row: row, position: position))
            let largest = zip(softmax(logits, at: k, vocabulary: 300), expected).map { abs($0 - $1) }.max()!
            #expect(largest < 1e-5, "row \(row) position \(position)")
        }
        expectMatches(row: 0, position: prefill[0] - 1, k: 0)
        expectMatches(row: 1, position: prefill[1] - 1, k: 1)
        for row in 0..<2 {
            for t in prefill[row]..<sequences[row].count {
                logits = try decoder.forward(
                    tokens: [sequences[row][t]], sequences: [Int32(row)], positions: [Int32(t)], logitsFor: [0])
                expectMatches(row: row, position: t, k: 0)
            }
        }
    }

    @Test func cachedDecodingAppliesLoRA() throws {
        let model = try TransformerModel(config: TinyConfigs.llama, seed: 5)
        let adapters = try model.attachLoRA(LoRAConfiguration(rank: 2, alpha: 4), seed: 1)
        randomize(adapters.parameters, count: adapters.count, seed: 2, scale: 0.5)
        try model.forward(try TokenBatch(sequences: [[3, 4, 5, 6]]))
        let decoder = KVCacheDecoder(model: model, sequences: 1, capacity: 4, maxEntries: 3)
        let logits = try decoder.forward(
            tokens: [3, 4, 5], sequences: [0, 0, 0], positions: [0, 1, 2], logitsFor: [2])
        let expected = Array(model.probabilities(row: 0, position: 2))
        for (a, b) in zip(softmax(logits, at: 0, vocabulary: 13), expected) { #expect(abs(a - b) < 1e-5) }
    }

    @Test func sameSeedSameSamples() throws {
        let model = try TransformerModel(config: TinyConfigs.gpt2, seed: 1)
        randomize(model.parameters, count: model.parameterCount, seed: 2, scale: 0.3)
        let prompts: [[Int32]] = [[1, 2], [3], [4, 5, 6]]
        let settings = SamplingSettings(maxNewTokens: 5, temperature: 1.2, topK: 6, topP: 0.9, seed: 42)
        let first = try model.generate(prompts: prompts, settings: settings)
        #expect(try model.generate(prompts: prompts, settings: settings) == first)
        var other = settings
        other.seed = 43
        let differentSeeds = try (0..<5).map { s -> [GeneratedSequence] in
            other.seed = 100 + UInt64(s)
            return try model.generate(prompts: prompts, settings: other)
        }
        #expect(differentSeeds.contains { $0 != first })
    }

    @Test func stopsAtEndOfSequenceOrBudget() throws {
        let model = try TransformerModel(config: TinyConfigs.gpt2, seed: 1)
        let everything = Set((0..<11).map { Int32($0) })
        let stopped = try model.generate(
            prompts: [[1], [2, 3]],
            settings: SamplingSettings(maxNewTokens: 5, seed: 1, stopTokens: everything))
        #expect(stopped.allSatisfy { $0.tokens.count == 1 && $0.finishReason == .endOfSequence })
        let budget = try model.generate(
            prompts: [[1], [2, 3]],
            settings: SamplingSettings(maxNewTokens: 5, seed: 1, stopTokens: []))
        #expect(budget.allSatisfy { $0.tokens.count == 5 && $0.logProbs.count == 5 && $0.finishReason == .length })
        // The context (8 positions) caps a sequence too: prompt and completion, less the last token (which is
        // never fed back), fit in it, so a training forward pass can score the whole sequence.
        let capped = try model.generate(
            prompts: [[1, 2, 3, 4, 5, 6]],
            settings: SamplingSettings(maxNewTokens: 10, seed: 1, stopTokens: []))
        #expect(capped[0].tokens.count == 3 && capped[0].finishReason == .length)
    }

    @Test func logProbsAreThoseOfTheSampledDistribution() throws {
        let model = try TransformerModel(config: TinyConfigs.llama, seed: 1)
        randomize(model.parameters, count: model.parameterCount, seed: 3, scale: 0.3)
        let prompt: [Int32] = [1, 2, 3]
        // Plain sampling at temperature 1: the full forward's log-probabilities of the sampled tokens.
        let plain = try model.generate(
            prompts: [prompt],
            settings: SamplingSettings(
                maxNewTokens: 4, seed: 9,
                stopTokens: []))[0]
        let full = prompt + plain.tokens
        try model.forward(try TokenBatch(sequences: [full], promptLengths: [prompt.count]))
        let reference = Array(model.targetLogProbs).suffix(plain.tokens.count)
        for (a, b) in zip(plain.logProbs, reference) { #expect(abs(a - b) < 1e-4) }
        // top-k = 1 leaves one token of probability 1; greedy reports 0.
        let top1 = try model.generate(
            prompts: [prompt],
            settings: SamplingSettings(
                maxNewTokens: 3, topK: 1, seed: 1,
                stopTokens: []))[0]
        #expect(top1.logProbs.allSatisfy { abs($0) < 1e-6 })
        let greedy = try model.generate(
            prompts: [prompt],
            settings: SamplingSettings(
                maxNewTokens: 3, temperature: 0,
                stopTokens: []))[0]
        #expect(greedy.tokens == top1.tokens && greedy.logProbs == [0, 0, 0])
        // Truncation renormalises: a kept token is more likely than under the whole distribution.
        let nucleus = try model.generate(
            prompts: [prompt],
            settings: SamplingSettings(
                maxNewTokens: 1, topP: 0.5,
                seed: 4, stopTokens: []))[0]
        try model.forward(try TokenBatch(sequences: [prompt + nucleus.tokens], promptLengths: [prompt.count]))
        #expect(nucleus.logProbs[0] > Array(model.targetLogProbs).last! + 1e-3)
    }

    /// A prompt repeated in the batch (a group of responses to one prompt, as GRPO samples) is prefilled once and
    /// its copies start from its keys and values: every row's log-probabilities are still the full forward's
    /// (GPT-2 and grouped-query Llama), and the copies draw their own tokens.
    @Test(arguments: [TinyConfigs.gpt2, TinyConfigs.llama])
    func repeatedPromptsSampleAsIfPrefilledApart(config: ModelConfig) throws {
        let model = try TransformerModel(config: config, seed: 5)
        randomize(model.parameters, count: model.parameterCount, seed: 6, scale: 0.3)
        let prompts: [[Int32]] = [[1, 2, 3], [4, 5], [1, 2, 3], [1, 2, 3], [4, 5], [6]]
        let generated = try model.generate(
            prompts: prompts, settings: SamplingSettings(maxNewTokens: 4, temperature: 1.3, seed: 3, stopTokens: []))
        #expect(generated.allSatisfy { $0.tokens.count == 4 })
        for (prompt, sequence) in zip(prompts, generated) {
            try model.forward(
                try TokenBatch(sequences: [prompt + sequence.tokens], promptLengths: [prompt.count]),
                temperature: 1.3)
            let reference = Array(model.targetLogProbs).suffix(sequence.tokens.count)
            for (a, b) in zip(sequence.logProbs, reference) { #expect(abs(a - b) < 1e-4, "prompt \(prompt)") }
        }
        #expect(Set([0, 2, 3].map { generated[$0].tokens }).count > 1, "the copies drew the same tokens")
        // The same seed gives the same samples, copies included.
        #expect(
            try model.generate(
                prompts: prompts, settings: SamplingSettings(maxNewTokens: 4, temperature: 1.3, seed: 3, stopTokens: [])
            )
                == generated)
    }

    @Test func topKAndTopPKeepTheRightTokens() {
        let logits: [Float] = [0, 5, 1, 4, 3, 2, 5]
        let exps = logits.map { Foundation.exp($0) }
        var random = EngineRandom(seed: 1)
        var chooser = TokenChooser(vocabulary: 7, settings: SamplingSettings(maxNewTokens: 1, topK: 3))
        defer { chooser.deallocate() }
        var seen = Set<Int32>()
        for _ in 0..<300 {
            let (token, logProb) = logits.withUnsafeBufferPointer { chooser.choose($0.baseAddress!, random: &random) }
            seen.insert(token)
            let mass = exps[1] + exps[6] + exps[3]
            #expect(abs(logProb - Foundation.log(exps[Int(token)] / mass)) < 1e-5)
        }
        #expect(seen == [1, 6, 3])
        #expect(Array(chooser.order[0..<3]) == [1, 6, 3], "most likely first, ties by id")
        // Nucleus 0.5: the two tokens at logit 5 hold about 0.6 of the mass, so only they remain.
        var nucleus = TokenChooser(vocabulary: 7, settings: SamplingSettings(maxNewTokens: 1, topP: 0.5))
        defer { nucleus.deallocate() }
        seen = []
        for _ in 0..<200 {
            seen.insert(logits.withUnsafeBufferPointer { nucleus.choose($0.baseAddress!, random: &random) }.token)
        }
        #expect(seen == [1, 6])
        #expect(Array(nucleus.order) == [1, 6, 3, 4, 5, 2, 0])
    }

    @Test func decoderRejectsEntriesOutsideItsCache() throws {
        let model = try TransformerModel(config: TinyConfigs.gpt2, seed: 1)
        let decoder = KVCacheDecoder(model: model, sequences: 1, capacity: 4, maxEntries: 2)
        #expect(throws: EngineError.self) {
            try decoder.forward(tokens: [1], sequences: [0], positions: [4], logitsFor: [0])
        }
        #expect(throws: EngineError.self) {
            try decoder.forward(tokens: [1], sequences: [1], positions: [0], logitsFor: [0])
        }
        #expect(throws: EngineError.self) {
            try decoder.forward(tokens: [1, 2, 3], sequences: [0, 0, 0], positions: [0, 1, 2], logitsFor: [0])
        }
        #expect(throws: EngineError.self) {
            try decoder.forward(tokens: [1], sequences: [0], positions: [0], logitsFor: [1])
        }
    }

    @Test func badSettingsAndPromptsAreRejected() throws {
        let model = try TransformerModel(config: TinyConfigs.gpt2, seed: 1)
        #expect(throws: EngineError.self) {
            try model.generate(prompts: [[1]], settings: SamplingSettings(maxNewTokens: 2, topP: 0))
        }
        #expect(throws: EngineError.invalidArgument("prompt 1 is empty")) {
            try model.generate(prompts: [[1], []], settings: SamplingSettings(maxNewTokens: 2))
        }
        #expect(throws: EngineError.self) {
            try model.generate(prompts: [[1, 40]], settings: SamplingSettings(maxNewTokens: 2))
        }
    }
}
