/// Battles drawn from known true ratings, for simulations and benchmarks.
///
/// Each battle picks two different models uniformly, puts them on sides at random, and draws the outcome so
/// that the first model's expected score is exactly its predicted win rate p = 1 / (1 + 10^((R_b − R_a)/400)):
/// a tie with probability `tieShare · 2 · min(p, 1 − p)` (split between "tie" and "tie (bothbad)"), otherwise
/// a win for A with the probability that makes wins plus half the ties come to p. Counting ties as halves,
/// as Bradley–Terry here does, then estimates the true ratings without bias.
///
/// ```swift
/// let battles = SyntheticBattles.draw(models: ["a", "b", "c"], ratings: [1100, 1000, 900], count: 5000, seed: 1)
/// ```
public enum SyntheticBattles {
    /// `count` battles among `models` (two at least) with true `ratings`, deterministic for a `seed`.
    public static func draw(
        models: [String], ratings: [Double], count: Int, tieShare: Double = 0.3, seed: UInt64,
        scale: RatingScale = .chatbotArena
    ) -> [Battle] {
        precondition(models.count >= 2 && models.count == ratings.count, "two models at least, one rating each")
        precondition(tieShare >= 0 && tieShare <= 1, "tieShare in 0...1")
        var random = ArenaRandom(seed: seed)
        var battles: [Battle] = []
        battles.reserveCapacity(count)
        for _ in 0..<count {
            let a = random.int(below: models.count)
            var b = random.int(below: models.count - 1)
            if b >= a { b += 1 }
            let p = scale.predictedWinRate(ratings[a], against: ratings[b])
            let tie = tieShare * 2 * min(p, 1 - p)
            let winA = (p - tie / 2) / (1 - tie)
            let outcome: BattleOutcome
            if random.unit() < tie {
                outcome = random.unit() < 0.7 ? .tie : .bothBad
            } else {
                outcome = random.unit() < winA ? .modelA : .modelB
            }
            battles.append(Battle(models[a], models[b], outcome))
        }
        return battles
    }

    /// `count` model names `model-01`, `model-02`, … with ratings evenly spread over `spread` points around
    /// the scale's initial rating, best first.
    public static func roster(count: Int, spread: Double, scale: RatingScale = .chatbotArena) -> (
        models: [String], ratings: [Double]
    ) {
        precondition(count >= 1, "one model at least")
        let digits = max(2, String(count).count)
        let models = (1...count).map { number in
            let text = String(number)
            return "model-" + String(repeating: "0", count: digits - text.count) + text
        }
        let step = count > 1 ? spread / Double(count - 1) : 0
        let ratings = (0..<count).map { scale.initial + spread / 2 - step * Double($0) }
        return (models, ratings)
    }
}
