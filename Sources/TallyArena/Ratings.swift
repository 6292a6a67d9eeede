import Foundation

/// One rating per model, in the order of ``models``.
///
/// ```swift
/// let elo = OnlineElo.ratings(BattleSet(battles))
/// elo["sft"]   // sft's rating; nil for a model that never battled
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
