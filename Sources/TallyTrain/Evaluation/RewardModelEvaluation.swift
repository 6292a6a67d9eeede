import Foundation
import TallyStore
import TallyWorld

/// How well a reward model orders held-out responses: against the labelers' rankings, and on task-world
/// prompts against the oracle (the truth) beside the labelers' own accuracy on the same pairs (the ceiling
/// their labels can teach) and beside a length-only rule; per family; and how calibrated its probabilities are.
public struct RewardModelEvaluation: Codable, Equatable, Sendable {
    /// One family's oracle figures.
    public struct FamilyFigures: Codable, Equatable, Sendable {
        public var family: String
        public var pairs: Int
        public var oracleAccuracy: Double
        public var labelerOracleAccuracy: Double
    }

    /// Predicted probability against observed frequency, for pairs whose predicted probability (of the side
    /// the model prefers) falls in [low, high).
    public struct CalibrationBin: Codable, Equatable, Sendable {
        public var low: Double
        public var high: Double
        public var pairs: Int
        /// Mean σ(r_preferred − r_other).
        public var predicted: Double
        /// Share of those pairs the labelers ordered the same way.
        public var observed: Double
    }

    /// Labeled non-tied pairs in the held-out rankings, and the share the model orders as the labelers did.
    public var pairs = 0
    public var pairAccuracy: Double?
    /// Response pairs on task-world prompts the oracle scores differently.
    public var oraclePairs = 0
    /// The model's agreement with the oracle on them.
    public var oracleAccuracy: Double?
    /// The labelers' agreement with the oracle on the same pairs (a tie counts half).
    public var labelerOracleAccuracy: Double?
    /// "The shorter response is better" against the oracle (a tie in length counts half).
    public var shorterOracleAccuracy: Double?
    /// "The longer response is better" against the oracle.
    public var longerOracleAccuracy: Double?
    /// Pairs where the oracle prefers the response that is not shorter (the length rule fails there), and the
    /// model's and the labelers' accuracy on them: what the model learned beyond length.
    public var lengthMisleadingPairs = 0
    public var oracleAccuracyWhereLengthMisleads: Double?
    public var labelerOracleAccuracyWhereLengthMisleads: Double?
    public var families: [FamilyFigures] = []
    public var calibration: [CalibrationBin] = []
    /// Expected calibration error: the pair-weighted mean |predicted − observed| over the bins.
    public var calibrationError: Double?

    public init() {}

    /// Scores every response of `rankings` with `score` (raw rewards for rendered prompt + response sequences,
    /// in order) and compares. `sequences[i]` are the rendered responses of `rankings[i]`.
    public static func evaluate(
        rankings: [RankedExample], sequences: [[[Int32]]], world: World = .standard,
        score: ([[Int32]]) throws -> [Double]
    ) throws -> RewardModelEvaluation {
        let flat = sequences.flatMap { $0 }
        let rewards = try score(flat)
        var result = RewardModelEvaluation()
        var agreed = 0.0
        var oracleAgreed = 0.0
        var labelerAgreed = 0.0
        var shorterAgreed = 0.0
        var longerAgreed = 0.0
        var misleadingModel = 0.0
        var misleadingLabeler = 0.0
        var perFamily: [String: (pairs: Int, model: Double, labeler: Double)] = [:]
        var binEdges: [Double] = [0.5, 0.6, 0.7, 0.8, 0.9, 1.0000001]
        var bins = [(pairs: Int, predicted: Double, observed: Double)](repeating: (0, 0, 0), count: binEdges.count - 1)
        var row = 0
        for ranking in rankings {
            let r = Array(rewards[row..<row + ranking.responses.count])
            row += ranking.responses.count
            var tierOf = [Int](repeating: 0, count: ranking.responses.count)
            for (tier, members) in ranking.tiers.enumerated() { for m in members { tierOf[m] = tier } }
            for (better, worse) in RankingLoss.orderedPairs(ranking.tiers) {
                result.pairs += 1
                if r[better] > r[worse] { agreed += 1 }
                let gap = abs(r[better] - r[worse])
                let predicted = RankingLoss.sigmoid(gap)
                let bin = min(bins.count - 1, max(0, binEdges.lastIndex { $0 <= predicted } ?? 0))
                bins[bin].pairs += 1
                bins[bin].predicted += predicted
                bins[bin].observed += r[better] > r[worse] ? 1 : (gap == 0 ? 0.5 : 0)
            }
            guard let prompt = worldPrompt(ranking.prompt, in: world) else { continue }
            let oracle = ranking.responses.map { Oracle.score(prompt, response: $0).total }
            let words = ranking.responses.map { TextTools.wordCount($0) }
            for i in 0..<ranking.responses.count {
                for j in (i + 1)..<max(i + 1, ranking.responses.count) where abs(oracle[i] - oracle[j]) > 1e-9 {
                    let (good, bad) = oracle[i] > oracle[j] ? (i, j) : (j, i)
                    result.oraclePairs += 1
                    let modelRight = r[good] > r[bad] ? 1.0 : (r[good] == r[bad] ? 0.5 : 0)
                    let labelerRight = tierOf[good] < tierOf[bad] ? 1.0 : (tierOf[good] == tierOf[bad] ? 0.5 : 0)
                    oracleAgreed += modelRight
                    labelerAgreed += labelerRight
                    shorterAgreed += words[good] < words[bad] ? 1 : (words[good] == words[bad] ? 0.5 : 0)
                    longerAgreed += words[good] > words[bad] ? 1 : (words[good] == words[bad] ? 0.5 : 0)
                    if words[good] >= words[bad] {
                        result.lengthMisleadingPairs += 1
                        misleadingModel += modelRight
                        misleadingLabeler += labelerRight
                    }
                    let entry = perFamily[prompt.family] ?? (0, 0, 0)
                    perFamily[prompt.family] = (entry.pairs + 1, entry.model + modelRight, entry.labeler + labelerRight)
                }
            }
        }
        if result.pairs > 0 { result.pairAccuracy = agreed / Double(result.pairs) }
        if result.oraclePairs > 0 {
            let n = Double(result.oraclePairs)
            result.oracleAccuracy = oracleAgreed / n
            result.labelerOracleAccuracy = labelerAgreed / n
            result.shorterOracleAccuracy = shorterAgreed / n
            result.longerOracleAccuracy = longerAgreed / n
        }
        if result.lengthMisleadingPairs > 0 {
            result.oracleAccuracyWhereLengthMisleads = misleadingModel / Double(result.lengthMisleadingPairs)
            result.labelerOracleAccuracyWhereLengthMisleads = misleadingLabeler / Double(result.lengthMisleadingPairs)
        }
        let order = world.families.map(\.name)
        result.families = perFamily.sorted {
            (order.firstIndex(of: $0.key) ?? 99) < (order.firstIndex(of: $1.key) ?? 99)
        }
        .map { name, entry in
            FamilyFigures(
                family: name, pairs: entry.pairs, oracleAccuracy: entry.model / Double(entry.pairs),
                labelerOracleAccuracy: entry.labeler / Double(entry.pairs))
        }
        binEdges[binEdges.count - 1] = 1
        var errorSum = 0.0
        for (index, bin) in bins.enumerated() where bin.pairs > 0 {
            let predicted = bin.predicted / Double(bin.pairs)
            let observed = bin.observed / Double(bin.pairs)
            result.calibration.append(
                CalibrationBin(
                    low: binEdges[index], high: binEdges[index + 1], pairs: bin.pairs, predicted: predicted,
                    observed: observed))
            errorSum += Double(bin.pairs) * abs(predicted - observed)
        }
        if result.pairs > 0 { result.calibrationError = errorSum / Double(result.pairs) }
        return result
    }

    /// The task-world prompt a stored prompt is, if any.
    public static func worldPrompt(_ content: PromptContent, in world: World) -> WorldPrompt? {
        switch content.canonical {
        case .text(let text): return world.recognize(text)
        case .messages(let messages):
            guard messages.count == 1, messages[0].role == "user" else { return nil }
            return world.recognize(messages[0].content)
        }
    }
}
