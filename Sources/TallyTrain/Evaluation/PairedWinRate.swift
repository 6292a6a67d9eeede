import Foundation
import TallyEngine

/// How often one model's response beats another's on the same prompts, by a judge's scores (a tie counts half),
/// with a percentile bootstrap interval over the prompts.
///
/// ```swift
/// let rate = PairedWinRate(scores: dpoScores, against: sftScores)
/// print(rate.rate, rate.low, rate.high)   // e.g. 0.66 0.61 0.71
/// ```
public struct PairedWinRate: Codable, Equatable, Sendable {
    /// Σ (1 for a win, ½ for a tie) / prompts.
    public var rate: Double
    /// The 2.5th and 97.5th percentiles of the rate over bootstrap resamples of the prompts.
    public var low: Double
    public var high: Double
    public var prompts: Int
    public var wins: Int
    public var ties: Int

    /// Compares `scores[i]` with `other[i]` prompt by prompt; `rounds` bootstrap resamples drawn from `seed`.
    public init(scores: [Double], against other: [Double], rounds: Int = 1000, seed: UInt64 = 1) {
        let outcomes = zip(scores, other).map { $0 > $1 + 1e-12 ? 1.0 : (abs($0 - $1) <= 1e-12 ? 0.5 : 0) }
        prompts = outcomes.count
        wins = outcomes.filter { $0 == 1 }.count
        ties = outcomes.filter { $0 == 0.5 }.count
        rate = prompts == 0 ? 0.5 : outcomes.reduce(0, +) / Double(prompts)
        guard prompts > 0 else {
            (low, high) = (0, 1)
            return
        }
        var random = EngineRandom(seed: seed)
        var rates: [Double] = []
        rates.reserveCapacity(rounds)
        for _ in 0..<rounds {
            var total = 0.0
            for _ in 0..<prompts { total += outcomes[Int(random.next() % UInt64(prompts))] }
            rates.append(total / Double(prompts))
        }
        rates.sort()
        low = rates[Int(0.025 * Double(rounds - 1))]
        high = rates[Int((0.975 * Double(rounds - 1)).rounded(.up))]
    }
}
