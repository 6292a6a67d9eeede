import Dispatch
import Foundation
import Synchronization

/// Bradley–Terry ratings with bootstrap confidence intervals and the ranks they imply.
///
/// Each round resamples the battles with replacement (as many as there are) and refits. Tally counts the
/// resampled battles straight into the pair cells, which gives the cells multinomial counts with the
/// observed shares — the same distribution as refitting a resampled battle list, as Chatbot Arena's newer
/// code does — so a round costs one draw per battle plus a fit on O(pairs). Rounds run in parallel on every
/// core, each from its own stream of the seed (``ArenaRandom/init(seed:stream:)`` with the round number),
/// so the result depends on the seed alone, not on the threads. The interval bounds are the
/// (1 − confidence)/2 and (1 + confidence)/2 percentiles of a model's ratings over the rounds (linear
/// interpolation between order statistics, pandas' `quantile`). With an anchor, every round is anchored, so
/// the anchored model's interval is a point and the others' are relative to it; without one, relative to the
/// mean.
public struct BootstrapRatings: Sendable {
    /// The models, sorted by name.
    public let models: [String]
    /// The fit on all battles (anchored if an anchor was given): the leaderboard's rating.
    public let estimate: Ratings
    /// How many rounds were drawn.
    public let rounds: Int
    /// The confidence level of the intervals (0.95).
    public let confidence: Double
    /// Every round's ratings, round after round: `samples[round * models.count + model]`.
    public let samples: [Double]
    /// Each model's lower bound (the 2.5th percentile at 95 %).
    public let lower: [Double]
    /// Each model's upper bound (the 97.5th percentile at 95 %).
    public let upper: [Double]

    /// Each model's rank from the intervals (see ``ranks(lower:upper:)``).
    public var ranks: [Int] { Self.ranks(lower: lower, upper: upper) }

    /// Chatbot Arena's rank: 1 + the number of models whose lower bound is above this model's upper bound, so
    /// models whose intervals overlap share a rank.
    ///
    /// ```swift
    /// BootstrapRatings.ranks(lower: [1100, 1090, 900], upper: [1150, 1120, 950])  // [1, 1, 3]
    /// ```
    public static func ranks(lower: [Double], upper: [Double]) -> [Int] {
        upper.map { ceiling in 1 + lower.filter { $0 > ceiling }.count }
    }

    /// The `quantile` (0…1) of `sorted` values, interpolating linearly between order statistics
    /// (position `quantile · (count − 1)`, as numpy's and pandas' default).
    public static func percentile(ofSorted sorted: [Double], _ quantile: Double) -> Double {
        guard let first = sorted.first else { return .nan }
        if sorted.count == 1 { return first }
        let position = quantile * Double(sorted.count - 1)
        let below = min(max(Int(position.rounded(.down)), 0), sorted.count - 1)
        let above = min(below + 1, sorted.count - 1)
        let fraction = position - Double(below)
        return sorted[below] + fraction * (sorted[above] - sorted[below])
    }
}

extension BradleyTerry {
    /// Bradley–Terry ratings of `battles` with bootstrap intervals: `rounds` resamples (1000 by default),
    /// deterministic for a `seed`.
    ///
    /// ```swift
    /// let result = try BradleyTerry.bootstrap(BattleSet(battles), rounds: 1000, seed: 42)
    /// for (index, model) in result.models.enumerated() {
    ///     print(model, result.estimate.values[index], result.lower[index], result.upper[index], result.ranks[index])
    /// }
    /// ```
    /// - Throws: ``ArenaError/noBattles`` for an empty set; ``ArenaError/unknownAnchor(_:models:)`` for an
    ///   anchor model that never battled.
    public static func bootstrap(
        _ battles: BattleSet, rounds: Int = 1000, seed: UInt64 = 0, confidence: Double = 0.95,
        scale: RatingScale = .chatbotArena, anchor: RatingAnchor? = nil
    ) throws(ArenaError) -> BootstrapRatings {
        precondition(rounds >= 0 && confidence > 0 && confidence < 1, "rounds ≥ 0 and confidence in (0, 1)")
        guard !battles.isEmpty else { throw .noBattles }
        var anchorIndex: Int?
        if let anchor {
            anchorIndex = battles.index(of: anchor.model)
            if anchorIndex == nil { throw .unknownAnchor(anchor.model, models: battles.models) }
        }
        let pairs = PairCounts(battles)
        let fitted = logits(pairs)
        var estimate = ratings(fitted, models: battles.models, scale: scale)
        if let anchor { estimate = try estimate.anchored(to: anchor) }

        let modelCount = battles.models.count
        var samples = [Double](repeating: 0, count: rounds * modelCount)
        samples.withUnsafeMutableBufferPointer { output in
            resample(pairs, from: fitted, rounds: rounds, seed: seed, into: output)
        }
        let points = scale.pointsPerLogit
        for round in 0..<rounds {
            let row = round * modelCount
            var shift = 0.0
            if let anchor, let anchorIndex {
                shift = anchor.rating - (scale.initial + points * samples[row + anchorIndex])
            }
            for model in 0..<modelCount {
                samples[row + model] = scale.initial + points * samples[row + model] + shift
            }
        }
        var lower = estimate.values
        var upper = estimate.values
        if rounds > 0 {
            for model in 0..<modelCount {
                let sorted = (0..<rounds).map { samples[$0 * modelCount + model] }.sorted()
                lower[model] = BootstrapRatings.percentile(ofSorted: sorted, (1 - confidence) / 2)
                upper[model] = BootstrapRatings.percentile(ofSorted: sorted, (1 + confidence) / 2)
            }
        }
        return BootstrapRatings(
            models: battles.models, estimate: estimate, rounds: rounds, confidence: confidence, samples: samples,
            lower: lower, upper: upper)
    }

    /// Fills `output` (rounds × models) with each round's β, fitted from `start`. Rounds are claimed one by one
    /// by one task per core; a round's numbers depend only on its index and the seed.
    private static func resample(
        _ pairs: PairCounts, from start: [Double], rounds: Int, seed: UInt64,
        into output: UnsafeMutableBufferPointer<Double>
    ) {
        let battleCount = pairs.cellOfBattle.count
        let cellCount = pairs.counts.count
        let modelCount = pairs.modelCount
        let nextRound = Atomic<Int>(0)
        let workers = max(1, min(rounds, ProcessInfo.processInfo.activeProcessorCount))
        pairs.cellOfBattle.withUnsafeBufferPointer { cellOfBattle in
            DispatchQueue.concurrentPerform(iterations: workers) { _ in
                var solver = BradleyTerrySolver(pairs)
                var counts = [Double](repeating: 0, count: cellCount)
                var beta = start
                while true {
                    let round = nextRound.add(1, ordering: .relaxed).oldValue
                    if round >= rounds { break }
                    var random = ArenaRandom(seed: seed, stream: UInt64(round))
                    counts.withUnsafeMutableBufferPointer { cells in
                        for cell in 0..<cellCount { cells[cell] = 0 }
                        for _ in 0..<battleCount {
                            cells[Int(cellOfBattle[random.int(below: battleCount)])] += 1
                        }
                    }
                    for model in 0..<modelCount { beta[model] = start[model] }
                    counts.withUnsafeBufferPointer { _ = solver.fit(counts: $0, beta: &beta) }
                    for model in 0..<modelCount { output[round * modelCount + model] = beta[model] }
                }
            }
        }
    }
}
