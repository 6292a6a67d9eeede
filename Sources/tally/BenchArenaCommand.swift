import ArgumentParser
import Foundation
import TallyArena

/// `tally bench arena`: Bradley–Terry with bootstrap intervals, and online Elo, on synthetic battles.
struct BenchArena: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "arena",
        abstract: "Time the arena's ratings: Bradley–Terry with a bootstrap, and online Elo.",
        discussion: """
            Draws synthetic battles among models with known ratings (evenly spread over 400 points; not timed), \
            then prints one JSON line per benchmark. arena_bt: numbering the battles' models (index_s), one \
            Bradley–Terry fit (fit_s), and the fit with --rounds bootstrap rounds and the intervals \
            (bootstrap_s, on every core); seconds = index_s + bootstrap_s, the figure the goal (≤ 1 s for \
            100,000 battles, 20 models, 1,000 rounds) is about; cpu_s is the process CPU time over the \
            bootstrap; order_recovered, mean_abs_error, coverage and mean_ci_width check the fit against the \
            true ratings. arena_elo: numbering (index_s) and the online Elo pass (elo_s) over --elo-battles \
            battles.
            """)

    @Option(help: "Battles for Bradley–Terry.")
    var battles: Int = 100_000

    @Option(help: "Models among them.")
    var models: Int = 20

    @Option(help: "Bootstrap rounds.")
    var rounds: Int = 1000

    @Option(help: "Battles for online Elo.")
    var eloBattles: Int = 1_000_000

    @Option(help: "Seed for the battles and the bootstrap.")
    var seed: UInt64 = 1

    @Option(help: "Repeat each benchmark this many times (one line each).")
    var runs: Int = 1

    func validate() throws {
        if battles < 1 || eloBattles < 1 { throw ValidationError("--battles and --elo-battles must be positive") }
        if models < 2 { throw ValidationError("--models must be at least 2") }
        if rounds < 1 || runs < 1 { throw ValidationError("--rounds and --runs must be positive") }
    }

    func run() throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        for _ in 0..<runs {
            let result = ArenaBenchmark.bradleyTerry(battles: battles, models: models, rounds: rounds, seed: seed)
            print(String(decoding: try encoder.encode(result), as: UTF8.self))
        }
        for _ in 0..<runs {
            let result = ArenaBenchmark.onlineElo(battles: eloBattles, models: models, seed: seed)
            print(String(decoding: try encoder.encode(result), as: UTF8.self))
        }
    }
}
