/// One model's line on the leaderboard.
public struct LeaderboardEntry: Sendable, Equatable {
    /// The model's name.
    public var name: String
    /// Its Bradley–Terry rating (the fit on all battles).
    public var rating: Double
    /// The lower bound of its bootstrap interval.
    public var lower: Double
    /// The upper bound of its bootstrap interval.
    public var upper: Double
    /// Its online Elo rating after all battles in order.
    public var elo: Double
    /// 1 + the number of models whose lower bound is above this model's upper bound.
    public var rank: Int
    /// How many battles it fought.
    public var battles: Int
    /// Its win rate over all its battles, ties half.
    public var winRate: Double

    /// An entry with every figure given.
    public init(
        name: String, rating: Double, lower: Double, upper: Double, elo: Double, rank: Int, battles: Int,
        winRate: Double
    ) {
        self.name = name
        self.rating = rating
        self.lower = lower
        self.upper = upper
        self.elo = elo
        self.rank = rank
        self.battles = battles
        self.winRate = winRate
    }
}

/// The arena's leaderboard: Bradley–Terry ratings with bootstrap intervals and ranks, online Elo, battle counts
/// and win rates, computed from a list of battles as Chatbot Arena does.
///
/// ```swift
/// let board = try Leaderboard(battles, rounds: 1000, seed: 42, anchor: RatingAnchor(model: "base", rating: 1000))
/// print(LeaderboardTable.lines(board).joined(separator: "\n"))
/// print(RatingPlot(width: 80).lines(board).joined(separator: "\n"))
/// let json = board.json()   // {"models": [...], "win_rates": {...}}
/// ```
public struct Leaderboard: Sendable {
    /// One entry per model, best Bradley–Terry rating first (name order among equals).
    public let entries: [LeaderboardEntry]
    /// The observed win rates between models.
    public let winRates: WinRateMatrix
    /// The bootstrap behind the intervals.
    public let bootstrap: BootstrapRatings
    /// How many battles were rated.
    public let battleCount: Int

    /// Rates `battles` (in battle order, which online Elo depends on).
    /// - Parameters:
    ///   - rounds: bootstrap rounds (1000, Chatbot Arena's number).
    ///   - seed: the bootstrap's seed; the same seed gives the same intervals.
    ///   - anchor: a model whose rating is fixed; without one, ratings average 1000.
    /// - Throws: ``ArenaError/noBattles``, ``ArenaError/unknownAnchor(_:models:)``.
    public init(
        _ battles: BattleSet, rounds: Int = 1000, seed: UInt64 = 0, confidence: Double = 0.95,
        anchor: RatingAnchor? = nil
    ) throws(ArenaError) {
        let bootstrap = try BradleyTerry.bootstrap(
            battles, rounds: rounds, seed: seed, confidence: confidence, anchor: anchor)
        let elo = OnlineElo.ratings(battles)
        let winRates = WinRateMatrix(battles)
        let overall = winRates.overall
        let counts = battles.battlesPerModel
        let ranks = bootstrap.ranks
        var entries = battles.models.indices.map { index in
            LeaderboardEntry(
                name: battles.models[index], rating: bootstrap.estimate.values[index], lower: bootstrap.lower[index],
                upper: bootstrap.upper[index], elo: elo.values[index], rank: ranks[index], battles: counts[index],
                winRate: overall[index])
        }
        entries.sort { $0.rating != $1.rating ? $0.rating > $1.rating : $0.name < $1.name }
        self.entries = entries
        self.winRates = winRates
        self.bootstrap = bootstrap
        battleCount = battles.count
    }

    /// Rates `battles` (in battle order, which online Elo depends on).
    public init(
        _ battles: [Battle], rounds: Int = 1000, seed: UInt64 = 0, confidence: Double = 0.95,
        anchor: RatingAnchor? = nil
    ) throws(ArenaError) {
        try self.init(BattleSet(battles), rounds: rounds, seed: seed, confidence: confidence, anchor: anchor)
    }

    /// The entry of `model`, if it battled.
    public func entry(_ model: String) -> LeaderboardEntry? {
        entries.first { $0.name == model }
    }
}
