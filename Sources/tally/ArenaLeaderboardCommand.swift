import ArgumentParser
import Foundation
import TallyArena
import TallyIO
import TallyStore

/// `tally arena leaderboard`: the stored battles rated as Chatbot Arena rates them.
struct ArenaLeaderboardCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "leaderboard",
        abstract: "Rate the stored battles: Bradley–Terry with bootstrap intervals, online Elo, win rates, a plot.",
        discussion: """
            Bradley–Terry maximum likelihood (ties count half a win each way, "both bad" is a tie), ratings \
            400·θ + 1000 averaging 1000 unless --anchor fixes one model; 95 % intervals from --rounds bootstrap \
            resamples (the same --seed gives the same intervals); rank = 1 + the number of models whose lower \
            bound is above this model's upper bound; online Elo (K = 4) in battle order. --judge rates one \
            kind of judge's battles (human, rm, oracle, import) or one judge's (for example rm:rm-small). \
            --json prints {"models": [{"name", "bt", "ci_low", "ci_high", "elo", "rank", "battles"}…], \
            "win_rates": {A: {B: share}}}. Example:
              tally arena leaderboard --judge oracle --anchor base=1000
            """
    )

    @Option(help: "Only one judge's battles: a kind (human, rm, oracle, import) or a judge's name (rm:NAME).")
    var judge: String?

    @Option(help: ArgumentHelp("Fix one model's rating, for example base=1000.", valueName: "MODEL=RATING"))
    var anchor: String?

    @Option(help: "Bootstrap rounds.")
    var rounds: Int = 1000

    @Option(help: "The bootstrap's seed.")
    var seed: UInt64 = 0

    @Flag(help: "Print one JSON object instead of the table and plot.")
    var json = false

    @OptionGroup var workspaceOption: WorkspaceOption

    func validate() throws {
        guard rounds >= 1 else { throw ValidationError("--rounds must be at least 1") }
    }

    func run() throws {
        try reportingErrors {
            let (_, database) = try workspaceOption.open()
            defer { database.close() }
            let anchor = try anchor.map { try RatingAnchor(parsing: $0) }
            let battles = try Self.battles(database, judge: judge)
            guard !battles.isEmpty else {
                let waiting = try database.arenaBattlesWaitingForVotes()
                if waiting > 0, judge == nil || judge == "human" || judge?.hasPrefix("human:") == true {
                    throw CommandError(
                        "there are no battles" + (judge.map { " judged by \($0)" } ?? "")
                            + " to rate yet: \(waiting) wait for people's votes in the Arena screen of `tally label`")
                }
                throw CommandError(
                    "there are no battles" + (judge.map { " judged by \($0)" } ?? "")
                        + " to rate; fight some with `tally arena battle` or import a log with `tally arena import`")
            }
            let board = try Leaderboard(battles, rounds: rounds, seed: seed, anchor: anchor)
            if json {
                print(board.json().text())
                return
            }
            print(
                "arena: \(battles.count) battles" + (judge.map { " judged by \(TerminalSanitizer.sanitize($0))" } ?? "")
                    + ", \(rounds) bootstrap rounds, seed \(seed)")
            print("")
            for line in LeaderboardTable.lines(board) { print(TerminalSanitizer.sanitize(line)) }
            print("")
            for line in RatingPlot(width: 80).lines(board) { print(TerminalSanitizer.sanitize(line)) }
        }
    }

    /// The stored battles of `judge` (a kind or a judge's name), or all of them.
    static func battles(_ database: TallyDatabase, judge: String?) throws -> [Battle] {
        guard let judge else { return try database.arenaBattles().map(StoredBattles.battle) }
        if let kind = ArenaJudgeKind(rawValue: judge) {
            return try database.arenaBattles(judgeKind: kind).map(StoredBattles.battle)
        }
        return try database.arenaBattles().filter { $0.judge == judge }.map(StoredBattles.battle)
    }
}
