import Foundation

/// The Elo scale Chatbot Arena reports ratings on: a difference of `scale` points means odds of `base` to 1.
///
/// The expected score of a model rated `r` against one rated `s` is `1 / (1 + base^((s − r) / scale))`; with
/// the defaults (400, 10, 1000) a 400-point lead is a 10:1 favourite.
public struct RatingScale: Sendable, Equatable {
    /// Points per factor of `base` in the odds (400).
    public var scale: Double
    /// The odds base (10).
    public var base: Double
    /// Where ratings start, and the mean of unanchored Bradley–Terry ratings (1000).
    public var initial: Double

    /// A scale; the defaults are Chatbot Arena's.
    public init(scale: Double = 400, base: Double = 10, initial: Double = 1000) {
        self.scale = scale
        self.base = base
        self.initial = initial
    }

    /// Chatbot Arena's scale: 400 points, base 10, initial rating 1000.
    public static let chatbotArena = RatingScale()

    /// The predicted win rate (expected score) of a model rated `rating` against one rated `opponent`:
    /// `1 / (1 + base^((opponent − rating) / scale))`.
    ///
    /// ```swift
    /// RatingScale.chatbotArena.predictedWinRate(1400, against: 1000)  // 10 / 11 ≈ 0.909
    /// ```
    public func predictedWinRate(_ rating: Double, against opponent: Double) -> Double {
        1 / (1 + exp(log(base) * (opponent - rating) / scale))
    }

    /// Rating points per natural-log unit of odds: `scale / ln(base)` (≈ 173.7 on Chatbot Arena's scale).
    var pointsPerLogit: Double { scale / log(base) }
}
