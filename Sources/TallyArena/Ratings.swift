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

/// One rating per model, in the order of ``models``.
///
/// ```swift
/// let elo = OnlineElo.ratings(BattleSet(battles))
/// elo["sft"]   // 1003.9
/// ```
public struct Ratings: Sendable, Equatable {
    /// The models, sorted by name (a ``BattleSet``'s order).
    public let models: [String]
    /// Each model's rating.
    public var values: [Double]

    /// Ratings `values` of `models` (equal counts).
    public init(models: [String], values: [Double]) {
        precondition(models.count == values.count, "one rating per model")
        self.models = models
        self.values = values
    }

    /// The rating of `model`, or nil if it is not rated.
    public subscript(model: String) -> Double? {
        guard let index = models.firstIndex(of: model) else { return nil }
        return values[index]
    }

    /// The ratings by model name.
    public var byModel: [String: Double] {
        Dictionary(uniqueKeysWithValues: zip(models, values))
    }

    /// The ratings shifted so that `anchor.model` rates exactly `anchor.rating` (differences are kept).
    /// - Throws: ``ArenaError/unknownAnchor(_:models:)`` when the model is not rated.
    public func anchored(to anchor: RatingAnchor) throws(ArenaError) -> Ratings {
        guard let index = models.firstIndex(of: anchor.model) else {
            throw .unknownAnchor(anchor.model, models: models)
        }
        let shift = anchor.rating - values[index]
        return Ratings(models: models, values: values.map { $0 + shift })
    }
}

/// A model whose rating is fixed, the others following by their differences: `--anchor MODEL=RATING`.
///
/// Bradley–Terry only determines differences between ratings; without an anchor Tally centres them on
/// the scale's initial rating (mean 1000). Chatbot Arena anchors one well-known model instead.
public struct RatingAnchor: Sendable, Equatable {
    /// The model whose rating is fixed.
    public var model: String
    /// Its rating.
    public var rating: Double

    /// `model` fixed at `rating`.
    public init(model: String, rating: Double) {
        self.model = model
        self.rating = rating
    }

    /// Parses `MODEL=RATING` (the last `=` splits, so a model name may hold one).
    ///
    /// ```swift
    /// try RatingAnchor(parsing: "base=1000")  // base fixed at 1000
    /// ```
    /// - Throws: ``ArenaError/badAnchor(_:)`` for anything else.
    public init(parsing text: String) throws(ArenaError) {
        guard let equals = text.lastIndex(of: "="),
            let rating = Double(text[text.index(after: equals)...].trimmingCharacters(in: .whitespaces)),
            rating.isFinite
        else { throw .badAnchor(text) }
        let model = text[..<equals].trimmingCharacters(in: .whitespaces)
        guard !model.isEmpty else { throw .badAnchor(text) }
        self.init(model: model, rating: rating)
    }
}

/// What can go wrong when rating battles; each description names the thing and the fix.
public enum ArenaError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The anchor names a model that has no battles.
    case unknownAnchor(String, models: [String])
    /// The anchor is not `MODEL=RATING`.
    case badAnchor(String)
    /// There are no battles to rate.
    case noBattles

    /// The message for the person at the terminal.
    public var description: String {
        switch self {
        case .unknownAnchor(let model, let models):
            let known = models.prefix(10).joined(separator: ", ") + (models.count > 10 ? ", …" : "")
            return "anchor model \"\(model)\" has no battles; rated models: \(known)"
        case .badAnchor(let text):
            return "anchor \"\(text)\" is not MODEL=RATING (for example base=1000)"
        case .noBattles:
            return "there are no battles to rate"
        }
    }
}
