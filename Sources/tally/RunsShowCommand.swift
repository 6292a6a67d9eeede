import ArgumentParser
import Foundation
import TallyIO
import TallyStore

/// `tally runs show ID`: one run's settings, a table of its metrics and plots of its curves.
struct RunsShow: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Show a run's config, a table of its metrics and plots of its curves.",
        discussion: """
            The table gives each metric's first, last, minimum and maximum value and the steps it was recorded \
            at: training metrics, then validation (eval/…), then the figures measured after training (final/…, \
            oracle/…). The plots draw the loss with eval/loss overlaid, the accuracy with eval/accuracy, and the \
            other headline metrics the run recorded; --metric NAME (repeatable) chooses instead. The first curve \
            of a plot is a line of braille dots, an overlaid eval curve a × per validation pass. Where a series \
            has more steps than the plot has dot columns, each column spans the minimum to the maximum of its \
            steps (no averaging, so spikes stay visible). An RL run (ppo, grpo, rloo) that logged the oracle's \
            (reward/gold) or a reward model's (reward/proxy) score of its rollouts also gets the over-optimisation \
            curve: both against the rollouts' KL to the reference, one point per iteration. Colours only on a \
            terminal, and never with NO_COLOR.
            """)

    @Argument(help: "The run's id (`tally runs` lists them).")
    var id: Int64

    @Option(
        name: .customLong("metric"),
        help: ArgumentHelp("Plot this metric, with its eval/ twin when there is one (repeatable).", valueName: "name"))
    var metrics: [String] = []

    @Option(help: "Columns of the plots (default: $COLUMNS, else the terminal's width, else 80).")
    var width: Int?

    @Option(help: "Rows of each plot (4 dots each).")
    var height: Int = 12

    @OptionGroup var workspaceOption: WorkspaceOption

    func validate() throws {
        if let width, width < 30 { throw ValidationError("--width must be at least 30") }
        guard height >= 2 else { throw ValidationError("--height must be at least 2") }
    }

    func run() throws {
        try reportingErrors {
            let (_, database) = try workspaceOption.open()
            defer { database.close() }
            let record = try RunsCommand.run(id: id, in: database)
            let summary = try RunSummary(
                record, checkpointNames: try RunSummary.checkpointNames(in: database), database: database)
            let runMetrics = RunMetrics(try database.metrics(runID: id))
            let plot = TerminalPlot(
                width: RunsCommand.terminalWidth(explicit: width), height: height, colors: RunsCommand.usesColor(),
                formatValue: RunMetrics.format)
            let plots = try runMetrics.plots(requested: metrics)
            print(Self.text(summary, metrics: runMetrics, plots: plots, plot: plot))
        }
    }

    /// The whole report; text from the database is sanitized.
    static func text(_ summary: RunSummary, metrics: RunMetrics, plots: [[String]], plot: TerminalPlot) -> String {
        var sections = [header(summary), config(summary.run.config)]
        if metrics.isEmpty {
            sections.append("No metrics recorded yet.")
        } else {
            sections.append(table(metrics))
            for names in plots {
                sections.append(plot.render(names.map(metrics.plotSeries)).joined(separator: "\n"))
            }
            if let curves = metrics.overOptimisation() {
                var againstKL = plot
                againstKL.xName = "KL to the reference (objective/kl, nats per response)"
                sections.append(
                    "Over-optimisation: gold (oracle) and proxy (reward model) reward against KL, one point per "
                        + "iteration\n" + againstKL.render(curves).joined(separator: "\n"))
            }
        }
        return sections.joined(separator: "\n\n")
    }

    /// Run id, kind, name and status, then parents, output, steps, times and any error.
    static func header(_ summary: RunSummary) -> String {
        let run = summary.run
        func safe(_ text: String) -> String { TerminalSanitizer.sanitizeLine(text) }
        var lines = ["run \(run.id)  \(run.kind.rawValue)  \(safe(summary.name ?? "-"))  \(run.status.rawValue)"]
        let parents = summary.parents.map { role, checkpoint in
            "\(role)=" + safe(checkpoint.name ?? "#\(checkpoint.id)") + " (checkpoint \(checkpoint.id))"
        }
        lines.append("  parents  " + (parents.isEmpty ? "none (from scratch)" : parents.joined(separator: ", ")))
        if let output = summary.output {
            lines.append("  output   " + safe(output.name ?? "#\(output.id)") + " (checkpoint \(output.id))")
        }
        lines.append("  steps    " + summary.stepsText)
        let dates = DateFormatter()
        dates.dateFormat = "yyyy-MM-dd HH:mm:ss"
        lines.append(
            "  started  " + dates.string(from: run.startedAt)
                + (summary.duration.map { ", took " + ProgressLine.duration($0) } ?? ", running"))
        if let error = run.error {
            lines.append("  error    " + RunsTable.shortened(error, to: 500))
        }
        return lines.joined(separator: "\n")
    }

    /// The run's configuration as indented, pretty-printed JSON (as recorded when it is not JSON).
    static func config(_ text: String) -> String {
        var pretty = text
        if let object = try? JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed]),
            let data = try? JSONSerialization.data(
                withJSONObject: object,
                options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes, .fragmentsAllowed])
        {
            pretty = String(decoding: data, as: UTF8.self)
        }
        let lines = TerminalSanitizer.sanitize(pretty).split(separator: "\n", omittingEmptySubsequences: false)
        return (["config"] + lines.map { "  " + $0 }).joined(separator: "\n")
    }

    /// Each metric's first, last, min and max value and step count, by group.
    static func table(_ metrics: RunMetrics) -> String {
        let nameWidth = max(18, (metrics.names.map(\.count).max() ?? 0) + 2)
        func cell(_ text: String, _ width: Int = 11) -> String {
            String(repeating: " ", count: max(1, width - text.count)) + text
        }
        func name(_ text: String) -> String {
            let safe = TerminalSanitizer.sanitizeLine(text)
            return "  " + safe + String(repeating: " ", count: max(1, nameWidth - safe.count))
        }
        var blocks: [String] = []
        for (group, title) in [(RunMetrics.Group.training, "training"), (.evaluation, "evaluation")] {
            let names = metrics.names(in: group)
            guard !names.isEmpty else { continue }
            var lines = [
                title + String(repeating: " ", count: max(1, nameWidth + 2 - title.count))
                    + ["first", "last", "min", "max"].map { cell($0) }.joined() + cell("steps", 8)
            ]
            for metric in names {
                guard let summary = metrics.summary(of: metric) else { continue }
                let values = [summary.first, summary.last, summary.min, summary.max].map {
                    cell($0.map(RunMetrics.format) ?? "-")
                }
                lines.append(name(metric) + values.joined() + cell(String(summary.steps), 8))
            }
            blocks.append(lines.joined(separator: "\n"))
        }
        let after = metrics.names(in: .afterTraining)
        if !after.isEmpty {
            let steps = Set(after.compactMap { metrics.series[$0]?.last?.step })
            var lines = ["after training" + (steps.count == 1 ? " (step \(steps.first!))" : "")]
            for metric in after {
                guard let last = metrics.series[metric]?.last else { continue }
                lines.append(
                    name(metric) + cell(RunMetrics.format(last.value))
                        + (steps.count == 1 ? "" : "  (step \(last.step))"))
            }
            blocks.append(lines.joined(separator: "\n"))
        }
        return blocks.joined(separator: "\n\n")
    }
}
