import TallyStore

/// Between the store's battle rows and the rating code's battles.
///
/// ```swift
/// let battles = try database.arenaBattles().map(StoredBattles.battle)
/// let board = try Leaderboard(battles)
/// ```
public enum StoredBattles {
    /// The battle a row describes, with its judge, blindness and time (each nil when the row has none, as a log's
    /// line may not say who voted).
    public static func battle(_ record: ArenaBattleRecord) -> Battle {
        Battle(
            record.modelA, record.modelB, outcome(record.outcome), judge: record.judge,
            anonymous: record.anonymous, timestamp: record.votedAt)
    }

    /// A row for a battle read from a log: an `import` judge kind, the log's judge, blindness and time.
    public static func imported(_ battle: Battle, source: String) -> ArenaBattleRecord {
        ArenaBattleRecord(
            modelA: battle.modelA, modelB: battle.modelB, outcome: outcome(battle.outcome), judgeKind: .imported,
            judge: battle.judge, anonymous: battle.anonymous, source: source, votedAt: battle.timestamp)
    }

    /// The verdicts on items that more than one judge may have judged (rows without an item are left out).
    public static func verdicts(_ records: [ArenaBattleRecord]) -> [JudgedBattle] {
        records.compactMap { record in
            guard let item = record.item else { return nil }
            let battle = battle(record)
            return JudgedBattle(item: item, judge: record.judge ?? record.judgeKind.rawValue, battle: battle)
        }
    }

    /// The store's outcome (seen from A) as Chatbot Arena's.
    public static func outcome(_ outcome: ComparisonOutcome) -> BattleOutcome {
        switch outcome {
        case .a: .modelA
        case .b: .modelB
        case .tie: .tie
        case .bothBad: .bothBad
        }
    }

    /// Chatbot Arena's outcome as the store's.
    public static func outcome(_ outcome: BattleOutcome) -> ComparisonOutcome {
        switch outcome {
        case .modelA: .a
        case .modelB: .b
        case .tie: .tie
        case .bothBad: .bothBad
        }
    }
}
