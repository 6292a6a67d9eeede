import Foundation
import TallyEngine
import TallyStore
import TallyWorld

/// A prompt an RL run samples from: the stored prompt, its rendered tokens for the policy, and the task-world
/// prompt the oracle recognises in it (nil outside the world).
public struct RLPrompt: Sendable {
    public var id: Int64
    public var content: PromptContent
    public var tokens: [Int32]
    public var world: WorldPrompt?

    public init(id: Int64, content: PromptContent, tokens: [Int32], world: WorldPrompt?) {
        self.id = id
        self.content = content
        self.tokens = tokens
        self.world = world
    }
}

/// Scores sampled responses: a reward model (the proxy) or the task world's oracle (the gold judge).
public protocol RolloutScorer {
    /// How the run names it: `rm:NAME` or `oracle`.
    var name: String { get }
    /// Whether it can score responses to `prompt` (the oracle knows task-world prompts only).
    func canScore(_ prompt: RLPrompt) -> Bool
    /// One score per (prompt, response text).
    func scores(_ items: [(prompt: RLPrompt, response: String)]) throws -> [Double]
}

/// A reward model's normalised score of prompt + response (the scalar head at the last token plus the bias
/// stored with the checkpoint).
public struct RewardModelRolloutScorer: RolloutScorer {
    public let name: String
    public let scorer: RewardScorer

    public init(name: String, scorer: RewardScorer) {
        self.name = name
        self.scorer = scorer
    }

    public func canScore(_ prompt: RLPrompt) -> Bool { true }

    public func scores(_ items: [(prompt: RLPrompt, response: String)]) throws -> [Double] {
        let sequences = try items.map { try scorer.tokens(prompt: $0.prompt.content, response: $0.response) }
        return try scorer.rawScores(sequences).map { $0 + scorer.bias }
    }
}

/// The task world's oracle: the rubric's total (0…1) — a verifiable reward, known to be right.
public struct OracleRolloutScorer: RolloutScorer {
    public let name = "oracle"

    public init() {}

    public func canScore(_ prompt: RLPrompt) -> Bool { prompt.world != nil }

    public func scores(_ items: [(prompt: RLPrompt, response: String)]) throws -> [Double] {
        try items.map { item in
            guard let world = item.prompt.world else {
                throw TrainingError("prompt \(item.prompt.id) is not a task-world prompt; the oracle cannot score it")
            }
            return Oracle.score(world, response: item.response).total
        }
    }
}

extension RolloutScorer {
    /// Scores of the items it can score, nil for the others.
    func optionalScores(_ items: [(prompt: RLPrompt, response: String)]) throws -> [Double?] {
        let scorable = items.indices.filter { canScore(items[$0].prompt) }
        var result = [Double?](repeating: nil, count: items.count)
        for (index, score) in zip(scorable, try scores(scorable.map { items[$0] })) { result[index] = score }
        return result
    }
}
