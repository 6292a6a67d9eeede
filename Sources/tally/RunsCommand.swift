import ArgumentParser
import Foundation
import TallyStore

/// `tally runs [list|show|export]`: the workspace's training runs, their metrics and curves.
struct RunsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "runs",
        abstract: "List training runs; show one run's config, metrics and curves; export its metrics.",
        discussion: """
            Every training command (tally pretrain, tally train sft, tally train rm, …) records a run: its kind, \
            parents, settings, status and each step's metrics. Examples:
              tally runs                      # every run: parents, status, steps, loss
              tally runs --json
              tally runs show 3               # config, metrics, loss and accuracy curves
              tally runs show 3 --metric grad_norm --metric lr
              tally runs export 3 --format csv --out run3.csv
            """,
        subcommands: [RunsList.self, RunsShow.self, RunsExport.self],
        defaultSubcommand: RunsList.self)

    /// What to do in a workspace that has recorded no run.
    static let howToStartARun =
        "start one with `tally train sft` (supervised fine-tuning on the demonstrations) or `tally pretrain`"

    /// Run `id` of `database`.
    ///
    /// - Throws: ``CommandError`` saying which runs exist, or how to start one when none does.
    static func run(id: Int64, in database: TallyDatabase) throws -> TrainingRunRecord {
        if let run = try database.trainingRun(id: id) { return run }
        let ids = try database.trainingRuns().map(\.id)
        guard !ids.isEmpty else { throw CommandError("this workspace has no training runs yet; \(howToStartARun)") }
        throw CommandError("no training run \(id); the runs are \(idRanges(ids)) (`tally runs` lists them)")
    }

    /// Sorted ids with consecutive ones joined: `1–4, 7, 9–10`.
    static func idRanges(_ ids: [Int64]) -> String {
        var ranges: [(first: Int64, last: Int64)] = []
        for id in ids.sorted() {
            if let last = ranges.last, id == last.last + 1 {
                ranges[ranges.count - 1].last = id
            } else {
                ranges.append((id, id))
            }
        }
        return ranges.map { $0.first == $0.last ? "\($0.first)" : "\($0.first)–\($0.last)" }.joined(separator: ", ")
    }

    /// The columns to fit: `explicit` (a `--width`), else `COLUMNS`, else the terminal's width when standard
    /// output is one, else 80.
    static func terminalWidth(explicit: Int?, environment: [String: String] = ProcessInfo.processInfo.environment)
        -> Int
    {
        if let explicit { return explicit }
        if let columns = environment["COLUMNS"].flatMap({ Int($0) }), columns > 0 { return columns }
        guard isatty(STDOUT_FILENO) == 1 else { return 80 }
        var size = winsize()
        let measured = withUnsafeMutablePointer(to: &size) { ioctl(STDOUT_FILENO, UInt(TIOCGWINSZ), $0) }
        return measured == 0 && size.ws_col > 0 ? Int(size.ws_col) : 80
    }

    /// Colour only as an extra: when standard output is a terminal and `NO_COLOR` is unset or empty.
    static func usesColor(environment: [String: String] = ProcessInfo.processInfo.environment) -> Bool {
        isatty(STDOUT_FILENO) == 1 && (environment["NO_COLOR"] ?? "").isEmpty
    }
}

/// `tally runs` (`tally runs list`): one line per training run.
struct RunsList: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List the training runs.",
        discussion: """
            Per run: id, kind, the checkpoint it writes, its parents by role (init=base), status (with the error \
            of a failed or stopped run under it), steps done of planned, duration, and the last recorded loss, \
            eval loss and key metric (accuracy for reward models).
            """)

    @Flag(help: "Print a JSON array with one object per run instead of a table.")
    var json = false

    @OptionGroup var workspaceOption: WorkspaceOption

    func run() throws {
        try reportingErrors {
            let (_, database) = try workspaceOption.open()
            defer { database.close() }
            let runs = try RunSummary.all(in: database)
            if json {
                print(RunsTable.json(runs))
            } else if runs.isEmpty {
                print("No training runs yet: \(RunsCommand.howToStartARun).")
            } else {
                print(RunsTable.text(runs, width: RunsCommand.terminalWidth(explicit: nil)))
            }
        }
    }
}
