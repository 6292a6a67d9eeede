import Foundation
import TallyEngine

/// One sampled response of an RL iteration and everything the update needs of it.
public struct Rollout: Sendable {
    /// Index of its prompt in the run's train prompts.
    public var prompt: Int
    public var promptTokens: [Int32]
    /// The sampled tokens, the end-of-turn token included when the model ended the response.
    public var responseTokens: [Int32]
    /// The response's text (without the end-of-turn token).
    public var text: String
    /// Whether the model ended the response itself.
    public var ended: Bool
    /// log π_old of each response token: the distribution it was sampled from.
    public var logProbs: [Float]
    /// log π_ref of each response token, at the same temperature.
    public var referenceLogProbs: [Float] = []
    /// PPO's value model before each response token (the state the token is chosen in).
    public var values: [Float] = []
    /// The score the run trains on (after the missing-end penalty and clipping).
    public var score = 0.0
    /// The oracle's score and the reward model's, when each is available (logged whichever trains).
    public var gold: Double?
    public var proxy: Double?
    /// Per-token advantages (PPO, GRPO; RLOO's sequence advantage repeated).
    public var advantages: [Double] = []
    /// PPO's value targets per token.
    public var returns: [Double] = []

    /// Σ_t log π_old − log π_ref: the k1 estimate of the response's KL to the reference.
    public var klToReference: Double {
        zip(logProbs, referenceLogProbs).reduce(0) { $0 + Double($1.0) - Double($1.1) }
    }

    /// The whole sequence, prompt then response.
    var sequence: [Int32] { promptTokens + responseTokens }
}

extension Array where Element == Rollout {
    /// Rows prompt + response, right-padded with `padToken`; targets on the response tokens only. Response token
    /// k of row r is at flat index ``responseStart(row:in:)`` + k.
    func batch(padToken: Int32) throws -> TokenBatch {
        try TokenBatch(sequences: map(\.sequence), promptLengths: map(\.promptTokens.count), padToken: padToken)
    }
}

extension TokenBatch {
    /// The flat index of row `row`'s first response token's log-probability, for a batch made by
    /// `[Rollout].batch(padToken:)`.
    func responseStart(row: Int, promptCount: Int) -> Int { row * length + promptCount - 1 }
}
