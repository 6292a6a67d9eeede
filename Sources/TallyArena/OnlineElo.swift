import Foundation

/// Online Elo as Chatbot Arena computes it: battles in order, each moving both ratings by K times the surprise.
///
/// Every model starts at `scale.initial` (1000). For a battle of A against B with ratings `Ra` and `Rb`:
///
///     Ea = 1 / (1 + base^((Rb − Ra) / scale))      Eb = 1 / (1 + base^((Ra − Rb) / scale))
///     Sa = 1 if A won, 0 if B won, ½ for either kind of tie
///     Ra ← Ra + K · (Sa − Ea)                      Rb ← Rb + K · (1 − Sa − Eb)
///
/// with K = 4, scale 400, base 10 by default. The result depends on battle order (the last battles weigh
/// most), which is why the leaderboard ranks by Bradley–Terry and shows online Elo beside it.
public enum OnlineElo {
    /// Chatbot Arena's K factor.
    public static let defaultK = 4.0

    /// Each model's online Elo rating after `battles`, in their order.
    ///
    /// ```swift
    /// let elo = OnlineElo.ratings(BattleSet([Battle("sft", "base", .modelA)]))
    /// elo["sft"]   // 1002
    /// ```
    public static func ratings(_ battles: BattleSet, k: Double = defaultK, scale: RatingScale = .chatbotArena)
        -> Ratings
    {
        var ratings = [Double](repeating: scale.initial, count: battles.models.count)
        let perPoint = log(scale.base) / scale.scale
        ratings.withUnsafeMutableBufferPointer { rating in
            battles.first.withUnsafeBufferPointer { first in
                battles.second.withUnsafeBufferPointer { second in
                    battles.doubledScore.withUnsafeBufferPointer { doubledScore in
                        for index in 0..<first.count {
                            let a = Int(first[index])
                            let b = Int(second[index])
                            let ra = rating[a]
                            let rb = rating[b]
                            let expectedA = 1 / (1 + exp(perPoint * (rb - ra)))
                            let expectedB = 1 / (1 + exp(perPoint * (ra - rb)))
                            let scoreA = Double(doubledScore[index]) * 0.5
                            rating[a] = ra + k * (scoreA - expectedA)
                            rating[b] = rb + k * (1 - scoreA - expectedB)
                        }
                    }
                }
            }
        }
        return Ratings(models: battles.models, values: ratings)
    }

    /// Each model's online Elo rating after `battles`, in their order.
    public static func ratings(_ battles: [Battle], k: Double = defaultK, scale: RatingScale = .chatbotArena)
        -> Ratings
    {
        ratings(BattleSet(battles), k: k, scale: scale)
    }
}
