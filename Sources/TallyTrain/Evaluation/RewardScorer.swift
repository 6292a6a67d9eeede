import Foundation
import TallyEngine
import TallyStore

/// Scores responses with a reward model: the scalar head at the last token of prompt + response rendered with
/// the chat template, plus the normalisation bias stored with the checkpoint (so demonstrations average 0).
///
/// ```swift
/// let scorer = try RewardScorer(checkpoint: try Checkpoint.load(from: folder))
/// let reward = try scorer.score(prompt: .text("Add 3 and 62."), response: "65")
/// print(reward.score, reward.rawScore)
/// ```
public struct RewardScorer {
    /// One response's reward.
    public struct Reward: Codable, Equatable, Sendable {
        /// The raw score plus the bias.
        public var score: Double
        /// The head's output before the bias (what transformers' *ForSequenceClassification gives).
        public var rawScore: Double
        /// The token ids scored.
        public var tokens: [Int32]
    }

    public let model: TransformerModel
    public let renderer: ExampleRenderer
    public let bias: Double
    /// Sequences per forward pass.
    public var batchSize = 32

    public init(model: TransformerModel, tokenizer: BPETokenizer, bias: Double) throws {
        guard model.hasScalarHead else {
            throw TrainingError("the model has no scalar head (score.weight): it is not a reward model")
        }
        self.model = model
        renderer = try ExampleRenderer(tokenizer: tokenizer, contextLength: model.config.contextLength)
        self.bias = bias
    }

    /// The reward model a checkpoint holds. Throws when it has no `score.weight`.
    public init(checkpoint: Checkpoint) throws {
        let model = try checkpoint.makeModel()
        guard model.hasScalarHead else {
            throw TrainingError(
                "\(checkpoint.path(of: Checkpoint.FileName.model)) has no score.weight: it is not a reward model; "
                    + "train one with `tally train rm`")
        }
        try self.init(model: model, tokenizer: checkpoint.tokenizer, bias: RewardHead.bias(of: checkpoint))
    }

    /// The rendered tokens of a prompt and response (cut to the context when longer).
    public func tokens(prompt: PromptContent, response: String) throws -> [Int32] {
        let rendered = renderer.render(prompt, response: response)
        guard let fitted = renderer.truncated(rendered) else {
            throw TrainingError(
                "the prompt alone is longer than the reward model's context (\(renderer.contextLength))")
        }
        return fitted.tokens
    }

    /// The reward of one response.
    public func score(prompt: PromptContent, response: String) throws -> Reward {
        let tokens = try tokens(prompt: prompt, response: response)
        let raw = try rawScores([tokens])[0]
        return Reward(score: raw + bias, rawScore: raw, tokens: tokens)
    }

    /// Raw scores (before the bias) of rendered sequences, in batches.
    public func rawScores(_ sequences: [[Int32]]) throws -> [Double] {
        var scores: [Double] = []
        scores.reserveCapacity(sequences.count)
        var start = 0
        while start < sequences.count {
            let slice = Array(sequences[start..<min(start + batchSize, sequences.count)])
            scores += try model.rewards(try TokenBatch(packingForScoring: slice)).map(Double.init)
            start += slice.count
        }
        return scores
    }
}
