import Foundation

extension TransformerModel {
    /// Samples a continuation of each prompt, all in one batch with a KV cache: prompts are processed together
    /// (no padding), then one token per unfinished sequence per step. A prompt that appears more than once (a
    /// group of responses to one prompt) is run through the model once; its copies start from its keys and
    /// values. A sequence stops at a stop token (`settings.stopTokens`, by default the config's
    /// `eos_token_id`), after `maxNewTokens`, or at the context length. Deterministic for a seed. LoRA adapters
    /// apply when enabled.
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
        // Each distinct prompt is prefilled once, by the first row that has it; `source[row]` is that row.
        var firstRow: [[Int32]: Int] = [:]
        var source: [Int] = []
        var prefilled: [Int] = []
        for (row, prompt) in prompts.enumerated() {
            if let first = firstRow[prompt] {
                source.append(first)
            } else {
                firstRow[prompt] = row
                source.append(row)
                prefilled.append(row)
            }
        }
        let promptTokens = prefilled.reduce(0) { $0 + prompts[$1].count }
        let decoder = KVCacheDecoder(
            model: self, sequences: prompts.count, capacity: capacity,
            maxEntries: max(promptTokens, prompts.count))
        let stops = settings.stopTokens ?? Set(config.eosTokenIds.map { Int32($0) })
        var chooser = TokenChooser(vocabulary: config.vocabSize, settings: settings)
        defer { chooser.deallocate() }
        var random = EngineRandom(seed: settings.seed)

        // Prefill: every distinct prompt's tokens at once; logits after each one's last token.
        var tokens: [Int32] = []
        var rows: [Int32] = []
        var positions: [Int32] = []
        var lastEntries: [Int] = []
        var logitRowOfSource: [Int: Int] = [:]
        for row in prefilled {
            for (t, token) in prompts[row].enumerated() {
                tokens.append(token)
                rows.append(Int32(row))
                positions.append(Int32(t))
            }
            logitRowOfSource[row] = lastEntries.count
            lastEntries.append(tokens.count - 1)
        }
        var active = Array(0..<prompts.count)
        var nextPosition = prompts.map(\.count)
        var logits = try decoder.forward(tokens: tokens, sequences: rows, positions: positions, logitsFor: lastEntries)
        for row in active where source[row] != row {
            decoder.copyPositions(from: source[row], to: row, count: prompts[row].count)
        }
        // The logits row of each active sequence: its prompt's after the prefill, then its own.
        var logitRows = active.map { logitRowOfSource[source[$0]]! }
        while !active.isEmpty {
            var stillActive: [Int] = []
            tokens.removeAll(keepingCapacity: true)
            rows.removeAll(keepingCapacity: true)
            positions.removeAll(keepingCapacity: true)
            for (k, row) in active.enumerated() {
                let (token, logProb) = chooser.choose(
                    logits.baseAddress! + logitRows[k] * config.vocabSize, random: &random)
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
            logitRows = Array(0..<active.count)
            logits = try decoder.forward(
                tokens: tokens, sequences: rows, positions: positions, logitsFor: logitRows)
        }
        return results
    }
}
