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

/// Rollouts packed end to end for one forward pass, without padding (``TokenBatch/init(packing:promptLengths:)``),
/// and where each rollout's response sits in the pass's per-position outputs.
struct RolloutBatch {
    let batch: TokenBatch
    /// The flat index of each rollout's first response token's log-probability, which is also the position of
    /// the state that token is chosen in (where the value model reads its value); token k is at that index + k.
    let responseStarts: [Int]

    init(_ items: [Rollout]) throws {
        batch = try TokenBatch(packing: items.map(\.sequence), promptLengths: items.map(\.promptTokens.count))
        var sequenceStart = 0
        responseStarts = items.map { item in
            defer { sequenceStart += item.promptTokens.count + item.responseTokens.count - 1 }
            return sequenceStart + item.promptTokens.count - 1
        }
    }
}
