import Foundation
import TallyEngine
import TallyStore

extension DPOTrainer {
    /// KL(π ‖ π_ref) estimated on completions the policy samples (temperature 1, one per prompt):
    /// the mean over prompts of Σ_t [log π(y_t) − log π_ref(y_t)] over the completion's tokens (the k1 estimator;
    /// its expectation is the sequence-level KL).
    public func klToReference(prompts: [PromptContent], maxNewTokens: Int = 64, seed: UInt64 = 1) throws -> Double {
        guard !prompts.isEmpty else { return 0 }
        let sampler = try ResponseSampler(model: model, tokenizer: tokenizer)
        let encoded = try prompts.map { try sampler.encode(ModelPromptRendering.modelPrompt($0, style: .chat)) }
            .filter { sampler.fits($0) && $0.count + 1 < model.config.contextLength }
        let settings = SamplingSettings(maxNewTokens: maxNewTokens, temperature: 1, seed: seed)
        var total = 0.0
        var counted = 0
        var start = 0
        while start < encoded.count {
            let slice = Array(encoded[start..<min(start + evalBatchSize, encoded.count)])
            let responses = try sampler.sample(encoded: slice, count: 1, settings: settings).map { $0[0] }
            let rows = zip(slice, responses).filter { !$0.1.tokens.isEmpty }
            if !rows.isEmpty {
                let sequences = rows.map { prompt, response in
                    Array((prompt + response.tokens).prefix(model.config.contextLength + 1))
                }
                let batch = try TokenBatch(
                    sequences: sequences, promptLengths: rows.map { $0.0.count }, padToken: padToken)
                let reference = try referenceSums(batch)
                for (k, (_, response)) in rows.enumerated() {
                    let kept = min(response.logProbs.count, sequences[k].count - rows[k].0.count)
                    total += Double(response.logProbs.prefix(kept).reduce(0, +)) - reference[k]
                    counted += 1
                }
            }
            start += slice.count
        }
        return counted == 0 ? 0 : total / Double(counted)
    }

    /// The reference's summed target log-probabilities, row by row.
    private func referenceSums(_ batch: TokenBatch) throws -> [Double] {
        Self.rowSums(batch, try reference.forward(batch, policy: model).targetLogProbs)
    }

    static func rowSums(_ batch: TokenBatch, _ logProbs: UnsafeBufferPointer<Float>) -> [Double] {
        (0..<batch.batchSize).map { row in
            var total = 0.0
            for t in 0..<batch.length where batch.targets[row * batch.length + t] >= 0 {
                total += Double(logProbs[row * batch.length + t])
            }
            return total
        }
    }
}
