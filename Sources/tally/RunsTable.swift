import Foundation
import TallyIO
import TallyStore

/// A training run as `tally runs` lists it: the record, its parent and output checkpoints by name, and each
/// metric's value at the last step it was recorded.
struct RunSummary {
    /// A checkpoint the run refers to; `name` is nil when the checkpoint is no longer registered.
    struct CheckpointReference {
        var id: Int64
        var name: String?
    }

    var run: TrainingRunRecord
    /// The parents by role (`init`, `reference`, `reward`, `value`), in that order.
    var parents: [(role: String, checkpoint: CheckpointReference)]
    var output: CheckpointReference?
    var finalMetrics: [String: Double]

    /// Every run of `database`, oldest first.
    static func all(in database: TallyDatabase) throws -> [RunSummary] {
        let checkpointNames = try checkpointNames(in: database)
        return try database.trainingRuns().map {
            try RunSummary($0, checkpointNames: checkpointNames, database: database)
        }
    }

    /// Checkpoint names by id, to name a run's parents.
    static func checkpointNames(in database: TallyDatabase) throws -> [Int64: String] {
        Dictionary(try database.checkpoints().map { ($0.id, $0.name) }, uniquingKeysWith: { first, _ in first })
    }

    init(_ run: TrainingRunRecord, checkpointNames: [Int64: String], database: TallyDatabase) throws {
        self.run = run
        parents = run.parents.roles.map {
            ($0.role, CheckpointReference(id: $0.checkpointID, name: checkpointNames[$0.checkpointID]))
        }
        output = run.outputCheckpointID.map { CheckpointReference(id: $0, name: checkpointNames[$0]) }
        finalMetrics = try database.finalMetrics(runID: run.id)
    }

    /// The checkpoint name the run writes; for runs recorded without one (pretraining), its output's name.
    var name: String? { run.name ?? output?.name }

    /// `init=base reference=sft-1`, `-` for none; a checkpoint no longer registered shows as `#ID`.
    var parentsText: String {
        guard !parents.isEmpty else { return "-" }
        return parents.map { "\($0.role)=" + ($0.checkpoint.name ?? "#\($0.checkpoint.id)") }.joined(separator: " ")
    }

    /// Steps done, and of how many when the run planned a number: `40/120`.
    var stepsText: String { run.totalSteps.map { "\(run.lastStep)/\($0)" } ?? "\(run.lastStep)" }

    /// Seconds from start to end, nil while running.
    var duration: Double? {
        guard run.status != .running, let finished = run.finishedAt else { return nil }
        return finished.timeIntervalSince(run.startedAt)
    }

    /// `1m05s`, or `running`.
    var durationText: String { duration.map(ProgressLine.duration) ?? "running" }

    /// The metric beside the loss that says how a run of this kind does (what its trainer's progress line
    /// shows): the first of the kind's candidates the run recorded, training or eval.
    var keyMetric: String? {
        Self.keyMetricCandidates(run.kind).first { finalMetrics[$0] != nil || finalMetrics["eval/" + $0] != nil }
    }

    /// Key metric names by kind: accuracy for reward models, TRL's names for preference and RL trainers.
    static func keyMetricCandidates(_ kind: TrainingKind) -> [String] {
        switch kind {
        case .rm: ["accuracy"]
        case .dpo: ["rewards/accuracies", "accuracy"]
        case .ppo, .grpo, .rloo: ["reward", "objective/scores", "rewards/mean"]
        case .pretrain, .sft: []
        }
    }
}

/// `tally runs`'s output: a table for people, a JSON array for scripts.
enum RunsTable {
    /// One row per run, columns as wide as their widest entry; a failed or stopped run's error, on one line cut
    /// to `width` columns, under its row.
    static func text(_ runs: [RunSummary], width: Int) -> String {
        let header = ["id", "kind", "name", "parents", "status", "steps", "time", "loss", "eval loss", "key metric"]
        let rightAligned: Set<Int> = [0, 5, 6, 7, 8]
        let rows = runs.map(row)
        let widths = header.indices.map { column in
            ([header] + rows).map { $0[column].count }.max() ?? 0
        }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { column, cell in
                let padding = String(repeating: " ", count: widths[column] - cell.count)
                return rightAligned.contains(column) ? padding + cell : cell + padding
            }.joined(separator: "  ").trimmingTrailingSpaces()
        }
        var lines = [line(header)]
        for (run, cells) in zip(runs, rows) {
            lines.append(line(cells))
            if let error = run.run.error, run.run.status == .failed || run.run.status == .stopped {
                let indent = widths[0] + 2
                lines.append(String(repeating: " ", count: indent) + "└ " + shortened(error, to: width - indent - 2))
            }
        }
        return lines.joined(separator: "\n")
    }

    /// The runs as a JSON array of objects (keys sorted; absent values are null):
    /// `[{"id": 2, "kind": "sft", "name": "sft-1", "parents": {"init": {"id": 1, "name": "base"}}, …}]`.
    static func json(_ runs: [RunSummary]) -> String {
        let dates = ISO8601DateFormatter()
        func reference(_ checkpoint: RunSummary.CheckpointReference) -> [String: Any] {
            ["id": checkpoint.id, "name": checkpoint.name ?? NSNull()]
        }
        let objects: [[String: Any]] = runs.map { summary in
            let run = summary.run
            return [
                "id": run.id, "kind": run.kind.rawValue, "name": summary.name ?? NSNull(),
                "parents": Dictionary(
                    summary.parents.map { ($0.role, reference($0.checkpoint)) }, uniquingKeysWith: { first, _ in first }
                ),
                "output_checkpoint": summary.output.map(reference) ?? NSNull(), "status": run.status.rawValue,
                "error": run.error ?? NSNull(), "steps": run.lastStep, "total_steps": run.totalSteps ?? NSNull(),
                "started_at": dates.string(from: run.startedAt),
                "finished_at": run.finishedAt.map(dates.string) ?? NSNull(),
                "duration_seconds": summary.duration ?? NSNull(),
                "final_metrics": summary.finalMetrics.mapValues { $0.isFinite ? $0 as Any : NSNull() },
            ]
        }
        let options: JSONSerialization.WritingOptions = [.sortedKeys, .withoutEscapingSlashes]
        guard let data = try? JSONSerialization.data(withJSONObject: objects, options: options) else { return "[]" }
        return String(decoding: data, as: UTF8.self)
    }

    /// The table cells of one run, sanitized.
    private static func row(_ summary: RunSummary) -> [String] {
        let run = summary.run
        let metrics = summary.finalMetrics
        var key = "-"
        if let name = summary.keyMetric {
            let values = [
                metrics[name].map(RunMetrics.format), metrics["eval/" + name].map { "eval " + RunMetrics.format($0) },
            ]
            key = name + " " + values.compactMap { $0 }.joined(separator: ", ")
        }
        let cells = [
            String(run.id), run.kind.rawValue, summary.name ?? "-", summary.parentsText, run.status.rawValue,
            summary.stepsText, summary.durationText, metrics["loss"].map(RunMetrics.format) ?? "-",
            metrics["eval/loss"].map(RunMetrics.format) ?? "-", key,
        ]
        return cells.map { TerminalSanitizer.sanitizeLine($0) }
    }

    /// `text` on one line (runs of white space made one space), sanitized, cut to `width` characters with `…`.
    static func shortened(_ text: String, to width: Int) -> String {
        let oneLine = text.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        let safe = TerminalSanitizer.sanitizeLine(oneLine)
        let limit = max(width, 20)
        return safe.count <= limit ? safe : String(safe.prefix(limit - 1)) + "…"
    }
}

extension String {
    /// The string without spaces at its end.
    fileprivate func trimmingTrailingSpaces() -> String {
        var text = self
        while text.last == " " { text.removeLast() }
        return text
    }
}
