import ArgumentParser
import Foundation
import TallyIO
import TallyStore

extension MetricsExportFormat: ExpressibleByArgument {}

/// `tally runs export ID`: every metric of a run, one line per step, as JSONL or CSV.
struct RunsExport: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write every metric of a run, one line per step, as JSONL or CSV.",
        discussion: """
            JSONL: one object per step holding the metrics recorded at that step, \
            {"step": 10, "loss": 2.31, "lr": 0.0003, …}. CSV: a header step,<every metric name> and one row per \
            step, with empty cells where a metric was not recorded (eval/… only at validation steps). Examples:
              tally runs export 3 > run3.jsonl
              tally runs export 3 --format csv --out run3.csv
            """)

    @Argument(help: "The run's id (`tally runs` lists them).")
    var id: Int64

    @Option(help: "jsonl or csv (default: csv when --out ends in .csv, else jsonl).")
    var format: MetricsExportFormat?

    @Option(name: .customLong("out"), help: "The file to write, replaced atomically (default: standard output).")
    var output: String?

    @OptionGroup var workspaceOption: WorkspaceOption

    func run() throws {
        try reportingErrors {
            let (_, database) = try workspaceOption.open()
            defer { database.close() }
            _ = try RunsCommand.run(id: id, in: database)
            let metrics = RunMetrics(try database.metrics(runID: id))
            if metrics.isEmpty { TerminalText.printError("note: run \(id) has recorded no metrics yet") }
            let chosen = format ?? (output?.lowercased().hasSuffix(".csv") == true ? .csv : .jsonl)
            let text = metrics.export(chosen)
            guard let output else {
                FileHandle.standardOutput.write(Data(text.utf8))
                return
            }
            try AtomicFile.write(text, to: URL(fileURLWithPath: output))
            print(
                "Wrote \(metrics.steps.count) steps of \(metrics.names.count) metrics (\(chosen.rawValue)) to "
                    + TerminalSanitizer.sanitize(output))
        }
    }
}
