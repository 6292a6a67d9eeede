/// How a battle between two models ended, spelled as Chatbot Arena's `winner` field.
///
/// Ratings count a win as 1, a loss as 0 and either kind of tie as ½ (Chatbot Arena treats "both bad" as a
/// tie too); the two ties are kept apart only so that the interchange form and the judges' agreement can tell
/// them apart.
public enum BattleOutcome: String, CaseIterable, Sendable {
    /// The first model (`model_a`) won.
    case modelA = "model_a"
    /// The second model (`model_b`) won.
    case modelB = "model_b"
    /// Neither was better.
    case tie = "tie"
    /// Neither was better, and both were bad.
    case bothBad = "tie (bothbad)"

    /// The first model's score: 1, 0, or ½ for either tie.
    public var scoreA: Double {
        switch self {
        case .modelA: 1
        case .modelB: 0
        case .tie, .bothBad: 0.5
        }
    }

    /// Whether the battle was a tie of either kind.
    public var isTie: Bool { self == .tie || self == .bothBad }

    /// The outcome seen from the other side: a win for A becomes a win for B; ties stay ties.
    public var swapped: BattleOutcome {
        switch self {
        case .modelA: .modelB
        case .modelB: .modelA
        case .tie, .bothBad: self
        }
    }
}

/// One battle: two models, which of them won, and (for the interchange form) who judged it and when.
///
/// Only `modelA`, `modelB` and `outcome` enter the ratings. Which model is "A" matters to online Elo only
/// through battle order, and to nothing else: a battle and its ``swapped`` twin rate the same.
///
/// ```swift
/// let battles = [Battle("sft", "base", .modelA), Battle("base", "sft", .tie, judge: "oracle")]
/// ```
public struct Battle: Hashable, Sendable {
    /// The first model's name (`model_a`).
    public var modelA: String
    /// The second model's name (`model_b`).
    public var modelB: String
    /// Who won.
    public var outcome: BattleOutcome
    /// Who judged (`judge`): a person, `oracle`, `rm:CHECKPOINT`, or an arena log's voter id.
    public var judge: String?
    /// Whether the judge voted without knowing the models (`anony`).
    public var anonymous: Bool?
    /// When the vote was cast, in seconds since 1970 (`tstamp`).
    public var timestamp: Double?

    /// A battle between `modelA` and `modelB` that ended with `outcome`.
    public init(
        _ modelA: String, _ modelB: String, _ outcome: BattleOutcome, judge: String? = nil,
        anonymous: Bool? = nil, timestamp: Double? = nil
    ) {
        self.modelA = modelA
        self.modelB = modelB
        self.outcome = outcome
        self.judge = judge
        self.anonymous = anonymous
        self.timestamp = timestamp
    }

    /// The same battle with the sides exchanged (B becomes A, the outcome follows).
    public var swapped: Battle {
        var battle = self
        battle.modelA = modelB
        battle.modelB = modelA
        battle.outcome = outcome.swapped
        return battle
    }

    /// The winning model's name, or nil for a tie.
    public var winner: String? {
        switch outcome {
        case .modelA: modelA
        case .modelB: modelB
        case .tie, .bothBad: nil
        }
    }
}
