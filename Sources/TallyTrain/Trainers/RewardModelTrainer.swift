import Foundation
import TallyEngine
import TallyStore

/// A labeled ranking rendered for a reward model: each response with its prompt, and the tiers.
public struct TokenizedRanking: Sendable {
    public var source: RankedExample
    /// Prompt + response + `<|im_end|>` for each response, in `source.responses` order.
    public var sequences: [[Int32]]
    /// Bradley–Terry margin (a comparison's strength when margins are used, else 0).
    public var margin: Double
}

/// The settings particular to reward-model training.
public struct RewardModelSettings: Codable, Equatable, Sendable {
    public var loss: RewardLoss
    /// TRL's `center_rewards_coefficient`: adds coefficient · mean(r²) to each ranking's loss.
    public var centerRewards: Double
    /// Use a comparison's `strength` as the Bradley–Terry margin.
    public var useStrengthAsMargin: Bool

    public init(loss: RewardLoss = .bradleyTerry, centerRewards: Double = 0, useStrengthAsMargin: Bool = true) {
        self.loss = loss
        self.centerRewards = centerRewards
        self.useStrengthAsMargin = useStrengthAsMargin
    }
}

/// Reward-model training: a scalar head read at the last token of prompt + response, fitted to rankings and
/// comparisons. Every ranking is one example holding all its non-tied pairs (InstructGPT), so a ranking of K
/// responses weighs as much as a comparison of two. After training, ``finalMetadata()`` stores the bias that
/// makes the demonstrations' mean reward 0 (InstructGPT's normalisation).
public final class RewardModelTrainer: SessionTrainer {
    /// The safetensors metadata key of the normalisation bias.
    public static let biasKey = "tally.reward_bias"

    public let kind = TrainingKind.rm
    public let model: TransformerModel
    public let tokenizer: BPETokenizer
    public let settings: RewardModelSettings
    public let train: [TokenizedRanking]
    public let eval: [TokenizedRanking]
    /// Demonstrations (prompt + demonstration) whose mean reward the bias sets to 0.
    public let demonstrations: [[Int32]]
    /// The bias computed by ``finalMetadata()``.
    public private(set) var bias: Double = 0
    public let evalBatchSize: Int

    public var keyMetric: String? { "accuracy" }

    /// Renders the rankings and demonstrations. Throws ``TooLongExamples`` when some responses do not fit the
    /// context, unless `truncate`.
    public init(
        model: TransformerModel, tokenizer: BPETokenizer, settings: RewardModelSettings, train: [RankedExample],
        eval: [RankedExample], demonstrations: [DemonstrationExample], truncate: Bool = false, evalBatchSize: Int = 32
    ) throws {
        guard model.hasScalarHead else { throw TrainingError("the reward model needs a scalar head") }
        let renderer = try ExampleRenderer(tokenizer: tokenizer, contextLength: model.config.contextLength)
        self.model = model
        self.tokenizer = tokenizer
        self.settings = settings
        self.evalBatchSize = evalBatchSize
        var tooLong: [Int] = []
        var total = 0
        func render(_ example: RankedExample) -> TokenizedRanking? {
            var sequences: [[Int32]] = []
            for response in example.responses {
                let rendered = renderer.render(example.prompt, response: response)
                total += 1
                if rendered.tokens.count > renderer.contextLength {
                    tooLong.append(rendered.tokens.count)
                    guard truncate, let cut = renderer.truncated(rendered) else { return nil }
                    sequences.append(cut.tokens)
                } else {
                    sequences.append(rendered.tokens)
                }
            }
            let margin = settings.useStrengthAsMargin ? max(0, example.strength ?? 0) : 0
            return TokenizedRanking(source: example, sequences: sequences, margin: margin)
        }
        let renderedTrain = train.compactMap(render)
        let renderedEval = eval.compactMap(render)
        if !tooLong.isEmpty && !truncate {
            throw TooLongExamples(
                what: "ranked responses", count: tooLong.count, total: total, longest: tooLong.max() ?? 0,
                contextLength: renderer.contextLength)
        }
        self.train = renderedTrain
        self.eval = renderedEval
        self.demonstrations = demonstrations.compactMap { example in
            renderer.truncated(renderer.render(example.prompt, response: example.completion))?.tokens
        }
    }

    public var trainExampleCount: Int { train.count }

    public func normalizerWeight(of index: Int) -> Double { 1 }

    public func accumulate(examples indices: [Int], normalizer: Double) throws -> MetricSums {
        let rankings = indices.map { train[$0] }
        let sequences = rankings.flatMap(\.sequences)
        let batch = try TokenBatch(packingForScoring: sequences)
        let rewards = try model.rewards(batch).map(Double.init)
        var valueGradients = [Float](repeating: 0, count: batch.batchSize * batch.length)
        let scored = batch.lastTokenPositions
        var sums = MetricSums()
        var row = 0
        for (ranking, loss) in zip(rankings, losses(rankings, rewards: rewards, into: &sums)) {
            for k in 0..<ranking.sequences.count {
                valueGradients[scored[row + k]] = Float(loss.gradients[k] / normalizer)
            }
            row += ranking.sequences.count
        }
        for reward in rewards { sums.add("reward_mean", reward) }
        try model.backward(logProbGradients: nil, valueGradients: valueGradients)
        sums.tokens = sequences.reduce(0) { $0 + $1.count }
        sums.sequences = sequences.count
        return sums
    }

    /// Loss, pair accuracy and mean margin on the held-out rankings.
    public func evaluate() throws -> [String: Double] {
        guard !eval.isEmpty else { return [:] }
        let rewards = try scores(eval.flatMap(\.sequences))
        var sums = MetricSums()
        _ = losses(eval, rewards: rewards, into: &sums)
        return sums.means
    }

    /// Each ranking's loss given its responses' rewards (`rewards` in the rankings' order), with its loss, pair
    /// accuracy and mean margin added to `sums`.
    private func losses(_ rankings: [TokenizedRanking], rewards: [Double], into sums: inout MetricSums)
        -> [RankingLoss]
    {
        var row = 0
        return rankings.map { ranking in
            let count = ranking.sequences.count
            let loss = RankingLoss.of(
                rewards: Array(rewards[row..<row + count]), tiers: ranking.source.tiers, kind: settings.loss,
                margin: ranking.margin, centerCoefficient: settings.centerRewards)
            row += count
            sums.add("loss", loss.loss)
            if loss.pairs > 0 {
                sums.add("accuracy", Double(loss.correctPairs) / Double(loss.pairs), weight: Double(loss.pairs))
                sums.add("margin", loss.marginSum / Double(loss.pairs), weight: Double(loss.pairs))
            }
            return loss
        }
    }

    /// The raw rewards (before the bias) of `sequences`, in batches.
    public func scores(_ sequences: [[Int32]]) throws -> [Double] {
        var rewards: [Double] = []
        rewards.reserveCapacity(sequences.count)
        var start = 0
        while start < sequences.count {
            let slice = Array(sequences[start..<min(start + evalBatchSize, sequences.count)])
            rewards += try model.rewards(try TokenBatch(packingForScoring: slice)).map(Double.init)
            start += slice.count
        }
        return rewards
    }

    /// The bias that makes the demonstrations' mean reward 0 (0 when there are none).
    public func finalMetadata() throws -> [String: String] {
        let rewards = try scores(demonstrations)
        bias = rewards.isEmpty ? 0 : -rewards.reduce(0, +) / Double(rewards.count)
        return [Self.biasKey: String(bias)]
    }
}
