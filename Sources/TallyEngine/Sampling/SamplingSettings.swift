/// How to pick tokens: temperature, then top-k, then top-p (nucleus), then a seeded draw.
///
/// ```swift
/// let settings = SamplingSettings(maxNewTokens: 64, temperature: 0.8, topK: 50, topP: 0.95, seed: 7)
/// ```
public struct SamplingSettings: Equatable, Sendable {
    /// The most tokens generated per sequence.
    public var maxNewTokens: Int
    /// Logits are divided by it; 0 means greedy (always the most likely token).
    public var temperature: Float
    /// Keep only the k most likely tokens; 0 keeps all.
    public var topK: Int
    /// Keep the smallest set of most likely tokens whose probability reaches p; 1 keeps all.
    public var topP: Float
    /// Seed of the draws: the same seed, prompts and weights give the same tokens.
    public var seed: UInt64
    /// Tokens that end a sequence (kept as its last token); nil uses the model config's `eos_token_id`.
    public var stopTokens: Set<Int32>?

    public init(
        maxNewTokens: Int, temperature: Float = 1, topK: Int = 0, topP: Float = 1, seed: UInt64 = 0,
        stopTokens: Set<Int32>? = nil
    ) {
        self.maxNewTokens = maxNewTokens
        self.temperature = temperature
        self.topK = topK
        self.topP = topP
        self.seed = seed
        self.stopTokens = stopTokens
    }

    /// Throws for settings that cannot sample.
    public func validate() throws {
        if maxNewTokens < 0 { throw EngineError.invalidArgument("maxNewTokens must be ≥ 0, got \(maxNewTokens)") }
        if !(temperature >= 0) || !temperature.isFinite {
            throw EngineError.invalidArgument("temperature must be ≥ 0, got \(temperature)")
        }
        if topK < 0 { throw EngineError.invalidArgument("topK must be ≥ 0, got \(topK)") }
        if !(topP > 0 && topP <= 1) { throw EngineError.invalidArgument("topP must be in (0, 1], got \(topP)") }
    }
}

/// Why a sequence stopped.
public enum FinishReason: String, Sendable, Equatable {
    /// It produced a stop token (end of sequence).
    case endOfSequence
    /// It reached the token budget or the context length.
    case length
}

/// One generated continuation.
public struct GeneratedSequence: Sendable, Equatable {
    /// The new tokens (the stop token included when there was one).
    public var tokens: [Int32]
    /// log-probability of each new token under the distribution it was drawn from (after temperature, top-k
    /// and top-p; 0 for greedy picks): what PPO's importance ratios need.
    public var logProbs: [Float]
    public var finishReason: FinishReason
}
