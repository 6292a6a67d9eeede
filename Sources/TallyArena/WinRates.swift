/// Observed win rates between every two models that met, ties counting half.
///
/// `share(a, over: b)` = (a's wins against b + ties between them / 2) / battles between them, whichever side
/// each model was on, so `share(a, over: b) + share(b, over: a) = 1`. (Chatbot Arena's heat map leaves ties
/// out; the issue asks for them as halves, which also makes these shares what Bradley–Terry fits.)
///
/// ```swift
/// let rates = WinRateMatrix(BattleSet(battles))
/// rates.share("sft", over: "base")   // 0.75
/// rates.overall[rates.models.firstIndex(of: "sft")!]
/// ```
public struct WinRateMatrix: Sendable, Equatable {
    /// The models, sorted by name.
    public let models: [String]
    /// Battles between model i and j at `[i * models.count + j]` (symmetric).
    private let battles: [Int]
    /// Model i's score against j (wins + ties / 2) at `[i * models.count + j]`.
    private let scores: [Double]

    /// The observed rates of `battles`.
    public init(_ battles: BattleSet) {
        models = battles.models
        let size = models.count
        var counts = [Int](repeating: 0, count: size * size)
        var scores = [Double](repeating: 0, count: size * size)
        for index in 0..<battles.count {
            let a = Int(battles.first[index])
            let b = Int(battles.second[index])
            let scoreA = Double(battles.doubledScore[index]) * 0.5
            counts[a * size + b] += 1
            counts[b * size + a] += 1
            scores[a * size + b] += scoreA
            scores[b * size + a] += 1 - scoreA
        }
        self.battles = counts
        self.scores = scores
    }

    /// How many times `a` and `b` met.
    public func battles(between a: String, and b: String) -> Int {
        guard let i = models.firstIndex(of: a), let j = models.firstIndex(of: b) else { return 0 }
        return battles[i * models.count + j]
    }

    /// `a`'s observed win rate against `b`, ties half; nil if they never met.
    public func share(_ a: String, over b: String) -> Double? {
        guard let i = models.firstIndex(of: a), let j = models.firstIndex(of: b) else { return nil }
        return share(i, j)
    }

    /// Model i's observed win rate against model j (indices into ``models``); nil if they never met.
    public func share(_ i: Int, _ j: Int) -> Double? {
        let count = battles[i * models.count + j]
        return count == 0 ? nil : scores[i * models.count + j] / Double(count)
    }

    /// Each model's win rate over all its battles, ties half (NaN for a model without battles).
    public var overall: [Double] {
        let size = models.count
        return (0..<size).map { i in
            var score = 0.0
            var count = 0
            for j in 0..<size {
                score += scores[i * size + j]
                count += battles[i * size + j]
            }
            return count == 0 ? .nan : score / Double(count)
        }
    }

    /// The rates as `[A: [B: share]]`, for pairs that met.
    public var byModel: [String: [String: Double]] {
        var result: [String: [String: Double]] = [:]
        for i in models.indices {
            for j in models.indices where i != j {
                if let share = share(i, j) { result[models[i], default: [:]][models[j]] = share }
            }
        }
        return result
    }

    /// The predicted win rate of every model against every other from `ratings`:
    /// `[A: [B: 1 / (1 + base^((R_B − R_A) / scale))]]`.
    public static func predicted(_ ratings: Ratings, scale: RatingScale = .chatbotArena) -> [String: [String: Double]] {
        var result: [String: [String: Double]] = [:]
        for (i, a) in ratings.models.enumerated() {
            for (j, b) in ratings.models.enumerated() where i != j {
                result[a, default: [:]][b] = scale.predictedWinRate(ratings.values[i], against: ratings.values[j])
            }
        }
        return result
    }
}
