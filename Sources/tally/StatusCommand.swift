import ArgumentParser
import Foundation
import TallyIO
import TallyStore

/// `tally status`: what the workspace holds and how each labeler is doing.
struct Status: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show counts of prompts, responses, labels, checkpoints and battles, and labeler progress.",
        discussion: """
            Warns on standard error when every account on the machine can read the workspace's database or \
            checkpoints, with the chmod command that makes them private.
            """)

    @Flag(name: .long, help: "Print one JSON object instead of text.")
    var json = false

    @Flag(name: .long, help: "Also measure agreement between labelers on overlapping items.")
    var agreement = false

    @OptionGroup var workspace: WorkspaceOption

    /// What `--json` prints.
    struct Report: Codable {
        var workspace: String
        var status: WorkspaceStatus
        var agreement: AgreementReport?
    }

    func run() throws {
        try reportingErrors {
            let (location, database) = try workspace.open()
            defer { database.close() }
            if let warning = location.readableByOthersWarning() { TerminalText.printError(warning) }
            let report = Report(
                workspace: location.root.path, status: try database.status(),
                agreement: agreement ? try database.agreement() : nil)
            if json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
                print(String(decoding: try encoder.encode(report), as: UTF8.self))
            } else {
                print(TerminalSanitizer.sanitize(Self.text(report)))
            }
        }
    }

    static func text(_ report: Report) -> String {
        let status = report.status
        let prompts = status.prompts
        var lines = ["Workspace \(report.workspace)"]
        let total = prompts.values.reduce(0, +)
        lines.append(
            "  prompts         \(total)  (train \(prompts["train"] ?? 0), eval \(prompts["eval"] ?? 0), "
                + "test \(prompts["test"] ?? 0))")
        lines.append("  responses       \(status.responses)")
        lines.append("  demonstrations  \(status.demonstrations)")
        lines.append("  rankings        \(status.rankings)")
        lines.append("  comparisons     \(status.comparisons)")
        lines.append("  pairs           \(status.pairs)  (preference pairs an export would write)")
        lines.append("  flags           \(status.flags)")
        lines.append("  checkpoints     \(status.checkpoints)")
        lines.append("  training runs   \(status.trainingRuns)")
        lines.append(
            "  battles         \(status.battles) judged"
                + (status.battlesAwaitingVotes > 0 ? ", \(status.battlesAwaitingVotes) waiting for votes" : ""))
        let open = status.openTasks
        lines.append(
            "  open tasks      demonstrations \(open["demonstration"] ?? 0), rankings \(open["ranking"] ?? 0), "
                + "comparisons \(open["comparison"] ?? 0)")
        lines.append("  instructions    \(status.instructionVersion.map { String($0.prefix(12)) } ?? "none recorded")")
        if status.labelers.isEmpty {
            lines.append("No labelers yet.")
        } else {
            lines.append("Labelers         demos  ranks  comps  skipped  open  hours  queue (d/r/c)")
            for labeler in status.labelers {
                let name = labeler.name.count > 15 ? String(labeler.name.prefix(14)) + "…" : labeler.name
                lines.append(
                    "  " + name.padding(toLength: 15, withPad: " ", startingAt: 0) + pad(labeler.demonstrations, 6)
                        + pad(labeler.rankings, 7)
                        + pad(labeler.comparisons, 7) + pad(labeler.skipped, 9) + pad(labeler.inProgress, 6)
                        + pad(String(format: "%.1f", labeler.secondsSpent / 3600), 7)
                        + "  \(labeler.queue.demonstrations)/\(labeler.queue.rankings)/\(labeler.queue.comparisons)")
            }
        }
        if let agreement = report.agreement {
            lines.append("Agreement")
            lines.append(
                "  comparisons: \(percent(agreement.comparisonAgreement)) over "
                    + "\(agreement.comparisonLabelPairs) label pairs"
            )
            lines.append(
                "  rankings:    \(percent(agreement.rankingPairAgreement)) pairwise over "
                    + "\(agreement.rankingResponsePairs) response pairs; Krippendorff's alpha (ordinal) "
                    + (agreement.rankingAlpha.map { String(format: "%.3f", $0) } ?? "n/a")
                    + " over \(agreement.rankingUnits) units")
        }
        return lines.joined(separator: "\n")
    }

    private static func percent(_ value: Double?) -> String {
        value.map { String(format: "%.1f%%", $0 * 100) } ?? "n/a (no overlapping labels)"
    }

    private static func pad(_ value: CustomStringConvertible, _ width: Int) -> String {
        let text = value.description
        return text.count >= width ? text + " " : String(repeating: " ", count: width - text.count) + text
    }
}
