import Foundation

extension TransformerModel {
    /// Samples a continuation of each prompt, all in one batch with a KV cache: prompts are processed together
    /// (no padding), then one token per unfinished sequence per step. A sequence stops at a stop token
    /// (`settings.stopTokens`, by default the config's `eos_token_id`), after `maxNewTokens`, or at the
    /// context length. Deterministic for a seed. LoRA adapters apply when enabled.
    ///
    /// ```swift
    /// let outputs = try model.generate(prompts: [[1, 2, 3]], settings: SamplingSettings(maxNewTokens: 16, seed: 1))
    /// outputs[0].tokens      // new tokens
    /// outputs[0].logProbs    // their log-probabilities under the sampled distribution
    /// ```
    public func generate(prompts: [[Int32]], settings: SamplingSettings) throws -> [GeneratedSequence] {
        try settings.validate()
        guard !prompts.isEmpty else { return [] }
        let vocabulary = Int32(config.vocabSize)
        for (row, prompt) in prompts.enumerated() {
            guard !prompt.isEmpty else { throw EngineError.invalidArgument("prompt \(row) is empty") }
            guard prompt.count < config.contextLength else {
                throw EngineError.invalidArgument(
                    "prompt \(row) has \(prompt.count) tokens; the context holds \(config.contextLength)")
            }
            if let bad = prompt.first(where: { $0 < 0 || $0 >= vocabulary }) {
                throw EngineError.invalidArgument("prompt \(row) has token \(bad), outside the vocabulary")
            }
        }
        var results = prompts.map { _ in GeneratedSequence(tokens: [], logProbs: [], finishReason: .length) }
        if settings.maxNewTokens == 0 { return results }
        let longest = prompts.map(\.count).max()!
        let capacity = min(config.contextLength, longest + settings.maxNewTokens)
        let promptTokens = prompts.reduce(0) { $0 + $1.count }
        let decoder = KVCacheDecoder(
            model: self, sequences: prompts.count, capacity: capacity,
            maxEntries: promptTokens)
        let stops = settings.stopTokens ?? Set(config.eosTokenIds.map { Int32($0) })
        var chooser = TokenChooser(vocabulary: config.vocabSize, settings: settings)
        defer { chooser.deallocate() }
        var random = EngineRandom(seed: settings.seed)

        // Prefill: every prompt token at once; logits after each prompt's last token.
        var tokens: [Int32] = []
        var rows: [Int32] = []
        var positions: [Int32] = []
        var lastEntries: [Int] = []
        for (row, prompt) in prompts.enumerated() {
            for (t, token) in prompt.enumerated() {
                tokens.append(token)
                rows.append(Int32(row))
                positions.append(Int32(t))
            }
            lastEntries.append(tokens.count - 1)
        }
        var active = Array(0..<prompts.count)
        var nextPosition = prompts.map(\.count)
        var logits = try decoder.forward(tokens: tokens, sequences: rows, positions: positions, logitsFor: lastEntries)
        while !active.isEmpty {
            var stillActive: [Int] = []
            tokens.removeAll(keepingCapacity: true)
            rows.removeAll(keepingCapacity: true)
            positions.removeAll(keepingCapacity: true)
            for (k, row) in active.enumerated() {
                let (token, logProb) = chooser.choose(logits.baseAddress! + k * config.vocabSize, random: &random)
                results[row].tokens.append(token)
                results[row].logProbs.append(logProb)
                if stops.contains(token) {
                    results[row].finishReason = .endOfSequence
                } else if results[row].tokens.count < settings.maxNewTokens && nextPosition[row] < capacity {
                    stillActive.append(row)
                    tokens.append(token)
                    rows.append(Int32(row))
                    positions.append(Int32(nextPosition[row]))
                    nextPosition[row] += 1
                }
            }
            active = stillActive
            if active.isEmpty { break }
            logits = try decoder.forward(
                tokens: tokens, sequences: rows, positions: positions,
                logitsFor: Array(0..<active.count))
        }
        return results
    }
}
