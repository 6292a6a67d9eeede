import Foundation

/// Bradley–Terry maximum-likelihood ratings, as Chatbot Arena's "MLE Elo".
///
/// The model: A beats B with probability `P(A ≻ B) = 1 / (1 + base^(θ_B − θ_A))`. Chatbot Arena fits θ as a
/// logistic regression without intercept or penalty on features +ln(base) for model A and −ln(base) for
/// model B, counts every tie (of either kind) as half a win each way, and reports
///
///     rating = scale · θ + initial      (scale 400, base 10, initial 1000)
///
/// so that the predicted win rate is `1 / (1 + 10^((R_B − R_A) / 400))`, the Elo formula. Tally maximises the
/// same likelihood on pair counts by Newton's method (see `BradleyTerrySolver`): with β = ln(base)·θ,
/// `rating = initial + β · scale / ln(base)`.
///
/// Differences are all the likelihood fixes. Unanchored ratings are centred on `initial` (mean 1000 over each
/// group of models connected by battles), which is where Chatbot Arena's optimiser ends too: it starts at zero
/// and moves along gradients whose entries sum to zero. An anchor shifts them so one model has a given rating.
///
/// A model that never lost (or never won, ties counting half) has no finite maximum-likelihood rating. Chatbot
/// Arena reports wherever its optimiser stopped; Tally adds a ridge penalty `(λ/2)·Σβ²` with λ = 10⁻⁸ per
/// battle (``ridgePerBattle``), which keeps such a model finite — roughly 2,000–3,000 points beyond the
/// others — and moves ordinary ratings by less than 10⁻⁴ points.
///
/// ```swift
/// let battles = [Battle("sft", "base", .modelA), Battle("sft", "base", .modelA), Battle("base", "sft", .modelA)]
/// let ratings = BradleyTerry.fit(battles)
/// ratings["sft"]   // 1060.2: sft won 2 of 3, so P(sft ≻ base) = 2/3 and the gap is 400·log10(2) ≈ 120.4
/// ```
public enum BradleyTerry {
    /// The ridge penalty per battle (λ = ridgePerBattle × battles), there only to keep a model that never
    /// won or never lost finite.
    public static let ridgePerBattle = 1e-8

    /// Maximum-likelihood ratings of every model in `battles`, centred on `scale.initial`.
    ///
    /// ```swift
    /// let ratings = BradleyTerry.fit(BattleSet(battles))
    /// let anchored = try ratings.anchored(to: RatingAnchor(model: "base", rating: 1000))
    /// ```
    public static func fit(_ battles: BattleSet, scale: RatingScale = .chatbotArena) -> Ratings {
        let pairs = PairCounts(battles)
        let beta = logits(pairs)
        return ratings(beta, models: battles.models, scale: scale)
    }

    /// Maximum-likelihood ratings of every model in `battles`, centred on `scale.initial`.
    public static func fit(_ battles: [Battle], scale: RatingScale = .chatbotArena) -> Ratings {
        fit(BattleSet(battles), scale: scale)
    }

    /// The fitted β (natural-log odds units, centred) for aggregated battles.
    static func logits(_ pairs: PairCounts) -> [Double] {
        var solver = BradleyTerrySolver(pairs)
        var beta = [Double](repeating: 0, count: pairs.modelCount)
        pairs.counts.withUnsafeBufferPointer { _ = solver.fit(counts: $0, beta: &beta) }
        return beta
    }

    /// Ratings on `scale` from β.
    static func ratings(_ beta: [Double], models: [String], scale: RatingScale) -> Ratings {
        let points = scale.pointsPerLogit
        return Ratings(models: models, values: beta.map { scale.initial + points * $0 })
    }
}
