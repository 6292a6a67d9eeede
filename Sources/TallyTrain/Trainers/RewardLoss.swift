import Foundation

/// The likelihood a reward model is fitted with.
public enum RewardLoss: String, CaseIterable, Codable, Sendable {
    /// Bradley–Terry on every non-tied pair of a ranking: −log σ(r_chosen − r_rejected − margin), averaged over
    /// the ranking's pairs, so a ranking counts once whatever its K (InstructGPT).
    case bradleyTerry = "bradley-terry"
    /// Plackett–Luce over the ranking's tiers: each response of a tier is chosen against every response not in
    /// a better tier; tied responses form one tier (Breslow's handling of ties). Averaged over the choices.
    case plackettLuce = "plackett-luce"
}

/// A ranking's loss and its gradient with respect to each response's reward.
public struct RankingLoss: Equatable, Sendable {
    public var loss: Double
    /// ∂loss/∂r for each response.
    public var gradients: [Double]
    /// Pairs the rewards order as the labels do, and pairs in all.
    public var correctPairs: Int
    public var pairs: Int
    /// Σ (r_chosen − r_rejected) over the pairs.
    public var marginSum: Double

    /// The loss of one ranking (`tiers` index `rewards`, best first) under `kind`, plus
    /// `centerCoefficient` · mean(r²) (pulls rewards toward 0, as TRL's `center_rewards_coefficient`).
    /// `margin` shifts every Bradley–Terry pair (a comparison's strength).
    public static func of(
        rewards: [Double], tiers: [[Int]], kind: RewardLoss, margin: Double = 0, centerCoefficient: Double = 0
    ) -> RankingLoss {
        var result = RankingLoss(
            loss: 0, gradients: [Double](repeating: 0, count: rewards.count), correctPairs: 0, pairs: 0,
            marginSum: 0)
        for (better, worse) in orderedPairs(tiers) {
            result.pairs += 1
            result.marginSum += rewards[better] - rewards[worse]
            if rewards[better] > rewards[worse] { result.correctPairs += 1 }
        }
        switch kind {
        case .bradleyTerry:
            let count = Double(max(1, result.pairs))
            for (better, worse) in orderedPairs(tiers) {
                let z = rewards[better] - rewards[worse] - margin
                result.loss += softplus(-z) / count
                let slope = -sigmoid(-z) / count
                result.gradients[better] += slope
                result.gradients[worse] -= slope
            }
        case .plackettLuce:
            var choices: [(chosen: Int, among: [Int])] = []
            for (index, tier) in tiers.enumerated() {
                let remaining = tiers[index...].flatMap { $0 }
                guard remaining.count > 1 else { continue }
                for chosen in tier { choices.append((chosen, remaining)) }
            }
            let count = Double(max(1, choices.count))
            for choice in choices {
                let top = choice.among.map { rewards[$0] }.max()!
                let exps = choice.among.map { exp(rewards[$0] - top) }
                let total = exps.reduce(0, +)
                result.loss += (top + log(total) - rewards[choice.chosen]) / count
                result.gradients[choice.chosen] -= 1 / count
                for (k, member) in choice.among.enumerated() { result.gradients[member] += exps[k] / total / count }
            }
        }
        if centerCoefficient > 0 {
            let n = Double(rewards.count)
            for (i, r) in rewards.enumerated() {
                result.loss += centerCoefficient * r * r / n
                result.gradients[i] += 2 * centerCoefficient * r / n
            }
        }
        return result
    }

    /// (better, worse) index pairs across different tiers.
    static func orderedPairs(_ tiers: [[Int]]) -> [(Int, Int)] {
        var pairs: [(Int, Int)] = []
        for (index, tier) in tiers.enumerated() {
            for better in tier {
                for lower in tiers[(index + 1)...] {
                    for worse in lower { pairs.append((better, worse)) }
                }
            }
        }
        return pairs
    }

    /// log(1 + eˣ) without overflow.
    static func softplus(_ x: Double) -> Double { x > 30 ? x : (x < -30 ? exp(x) : log1p(exp(x))) }

    static func sigmoid(_ x: Double) -> Double { x >= 0 ? 1 / (1 + exp(-x)) : exp(x) / (1 + exp(x)) }
}
