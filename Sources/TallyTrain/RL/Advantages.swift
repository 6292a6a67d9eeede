import Foundation

/// The advantage estimators of PPO, GRPO and RLOO, as pure functions over one iteration's numbers.
public enum Advantages {
    /// Generalised advantage estimation (Schulman et al. 2016) over one response: with δ_t = r_t + γV_{t+1} − V_t
    /// (V after the last token is 0), A_t = δ_t + γλA_{t+1}; the value targets are A_t + V_t.
    public static func generalized(rewards: [Double], values: [Double], gamma: Double, lambda: Double)
        -> (advantages: [Double], returns: [Double])
    {
        precondition(rewards.count == values.count, "one value per reward")
        var advantages = [Double](repeating: 0, count: rewards.count)
        var next = 0.0
        var nextValue = 0.0
        for t in stride(from: rewards.count - 1, through: 0, by: -1) {
            let delta = rewards[t] + gamma * nextValue - values[t]
            next = delta + gamma * lambda * next
            advantages[t] = next
            nextValue = values[t]
        }
        return (advantages, zip(advantages, values).map { $0 + $1 })
    }

    /// Shifts and scales every number of `rows` together to mean 0 and variance 1 (the unbiased variance, as
    /// TRL's `whiten`); left alone when there are fewer than two.
    public static func whiten(_ rows: [[Double]]) -> [[Double]] {
        let all = rows.flatMap { $0 }
        guard all.count >= 2 else { return rows }
        let mean = all.reduce(0, +) / Double(all.count)
        let variance = all.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(all.count - 1)
        let scale = 1 / (variance + 1e-8).squareRoot()
        return rows.map { row in row.map { ($0 - mean) * scale } }
    }

    /// GRPO's advantages: each reward minus its group's mean, over the group's standard deviation (unbiased)
    /// plus 1e-4. `rewards` holds consecutive groups of `groupSize`.
    public static func groupNormalized(_ rewards: [Double], groupSize: Int) -> [Double] {
        precondition(groupSize >= 2 && rewards.count % groupSize == 0, "whole groups of at least 2")
        var result = [Double](repeating: 0, count: rewards.count)
        for start in stride(from: 0, to: rewards.count, by: groupSize) {
            let group = rewards[start..<start + groupSize]
            let mean = group.reduce(0, +) / Double(groupSize)
            let std = (group.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(groupSize - 1)).squareRoot()
            for i in start..<start + groupSize { result[i] = (rewards[i] - mean) / (std + 1e-4) }
        }
        return result
    }

    /// RLOO's advantages: each reward minus the mean of the other rewards of its group.
    public static func leaveOneOut(_ rewards: [Double], groupSize: Int) -> [Double] {
        precondition(groupSize >= 2 && rewards.count % groupSize == 0, "whole groups of at least 2")
        var result = [Double](repeating: 0, count: rewards.count)
        for start in stride(from: 0, to: rewards.count, by: groupSize) {
            let total = rewards[start..<start + groupSize].reduce(0, +)
            for i in start..<start + groupSize {
                result[i] = rewards[i] - (total - rewards[i]) / Double(groupSize - 1)
            }
        }
        return result
    }
}

/// Ziegler et al.'s adaptive KL coefficient: after each iteration, with e = clip(KL/target − 1, −0.2, 0.2),
/// the coefficient is multiplied by 1 + e·n/horizon (n: the iteration's rollouts).
public struct AdaptiveKLController: Equatable, Sendable {
    public var coefficient: Double
    public var target: Double
    public var horizon: Double

    public init(coefficient: Double, target: Double, horizon: Double) {
        self.coefficient = coefficient
        self.target = target
        self.horizon = horizon
    }

    /// Moves the coefficient after an iteration whose mean sequence KL was `kl` over `rollouts` rollouts.
    public mutating func update(kl: Double, rollouts: Int) {
        let error = min(max(kl / target - 1, -0.2), 0.2)
        coefficient *= 1 + error * Double(rollouts) / horizon
    }
}

/// The clipped losses of PPO-style updates, with their derivatives.
public enum ClippedLoss {
    /// One token's clipped surrogate: max(−A·ρ, −A·clip(ρ, 1−ε, 1+ε)) with ρ = exp(log π − log π_old); its
    /// derivative with respect to log π (−A·ρ where the unclipped term is the larger, else 0); and whether the
    /// clipped term won (TRL's `clipfrac`).
    public static func surrogate(logProb: Double, old: Double, advantage: Double, clipRange: Double)
        -> (loss: Double, slope: Double, clipped: Bool, ratio: Double)
    {
        let ratio = Foundation.exp(logProb - old)
        let unclipped = -advantage * ratio
        let clipped = -advantage * min(max(ratio, 1 - clipRange), 1 + clipRange)
        if unclipped >= clipped { return (unclipped, -advantage * ratio, false, ratio) }
        return (clipped, 0, true, ratio)
    }

    /// One position's clipped value loss: ½·max((v − R)², (v_old + clip(v − v_old, ±c) − R)²); its derivative with
    /// respect to v; and whether the clipped term won.
    public static func value(_ value: Double, old: Double, target: Double, clipRange: Double)
        -> (loss: Double, slope: Double, clipped: Bool)
    {
        let change = value - old
        let clippedValue = old + min(max(change, -clipRange), clipRange)
        let plain = (value - target) * (value - target)
        let clipped = (clippedValue - target) * (clippedValue - target)
        if plain >= clipped { return (0.5 * plain, value - target, false) }
        let inside = abs(change) < clipRange
        return (0.5 * clipped, inside ? clippedValue - target : 0, true)
    }
}
