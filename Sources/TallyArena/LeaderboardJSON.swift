import Foundation

/// The leaderboard as `tally arena leaderboard --json` prints it:
/// `{"models": [{"name", "bt", "ci_low", "ci_high", "elo", "rank", "battles"}…], "win_rates": {A: {B: share}}}`.
///
/// Models come best first; `win_rates` holds observed shares (ties half) for the pairs that met.
public struct LeaderboardJSON: Codable, Equatable, Sendable {
    /// One model's figures.
    public struct Model: Codable, Equatable, Sendable {
        /// The model's name.
        public var name: String
        /// Its Bradley–Terry rating.
        public var bt: Double
        /// The lower bound of its interval.
        public var ciLow: Double
        /// The upper bound of its interval.
        public var ciHigh: Double
        /// Its online Elo rating.
        public var elo: Double
        /// Its rank from the intervals.
        public var rank: Int
        /// How many battles it fought.
        public var battles: Int

        enum CodingKeys: String, CodingKey {
            case name, bt, elo, rank, battles
            case ciLow = "ci_low"
            case ciHigh = "ci_high"
        }
    }

    /// The models, best first.
    public var models: [Model]
    /// `[A: [B: A's observed win rate against B]]`.
    public var winRates: [String: [String: Double]]

    enum CodingKeys: String, CodingKey {
        case models
        case winRates = "win_rates"
    }

    /// The object as one line of JSON with sorted keys.
    public func text() -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // Every figure is finite (ratings stay finite; win rates exist only for pairs that met).
        return String(decoding: (try? encoder.encode(self)) ?? Data("{}".utf8), as: UTF8.self)
    }
}

extension Leaderboard {
    /// The `--json` object.
    ///
    /// ```swift
    /// print(try Leaderboard(battles).json().text())
    /// ```
    public func json() -> LeaderboardJSON {
        LeaderboardJSON(
            models: entries.map {
                LeaderboardJSON.Model(
                    name: $0.name, bt: $0.rating, ciLow: $0.lower, ciHigh: $0.upper, elo: $0.elo, rank: $0.rank,
                    battles: $0.battles)
            },
            winRates: winRates.byModel)
    }
}
