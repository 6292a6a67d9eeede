import ArgumentParser
import Foundation
import TallyStore
import TallyTrain

/// Runs a prepared training session in the terminal: the progress line, validation lines, Ctrl-C handling.
enum TrainingRunner {
    /// What a finished run left.
    struct Result {
        var checkpointID: Int64
        var sha256: String
        /// The last step's training metrics.
        var metrics: [String: Double]
        var steps: Int
        var seconds: Double
        var alreadyFinished: Bool
    }

    /// Trains `run` to the end. Throws `ExitCode(130)` after an interruption (the run is saved and resumable).
    static func train(_ run: PreparedRun, options: TrainOptions) throws -> Result {
        for note in run.notes { options.note(note) }
        if let record = run.finished {
            options.note("checkpoint \(record.name) (id \(record.id)) is already trained: \(record.path)")
            return Result(
                checkpointID: record.id, sha256: record.sha256, metrics: [:], steps: 0, seconds: 0,
                alreadyFinished: true)
        }
        guard let session = run.session, let trainer = run.trainer else { throw CommandError("no session") }
        let model = trainer.model
        let trainable = model.trainableTensors.reduce(0) { $0 + $1.count }
        options.note(
            "\(trainer.kind.rawValue) \(run.name) from \(run.parent.record.name): "
                + String(
                    format: "%.2fM parameters, %.2fM trained", Double(model.parameterCount) / 1e6,
                    Double(trainable) / 1e6)
                + (model.lora.map { ", LoRA rank \($0.configuration.rank)" } ?? "")
                + ", \(session.totalSteps) steps of "
                + "\(session.settings.batchSize) examples (run \(session.runID))")
        InterruptFlag.install()
        let progress = ProgressLine(
            trainer.kind.rawValue, total: session.totalSteps, unit: "steps", startingAt: session.resumedFromStep ?? 0)
        var tokens = 0
        var lastMetrics: [String: Double] = [:]
        let key = trainer.keyMetric
        let outcome = try session.run(
            shouldStop: { InterruptFlag.isSet },
            onStep: { step in
                tokens += step.tokens
                lastMetrics = step.metrics
                if let line = iterationLine(step, stepsPerRound: trainer.stepsPerRound) {
                    progress.clear()
                    options.note(line)
                }
                progress.update(
                    step.step,
                    detail: stepDetail(
                        loss: step.loss, keyMetric: key.flatMap { name in step.metrics[name].map { (name, $0) } },
                        tokensPerSecond: Double(tokens) / max(progress.elapsed, 1e-9)))
            },
            onEval: { step, metrics in
                progress.clear()
                let text = metrics.sorted { $0.key < $1.key }.map { String(format: "\($0.key) %.4f", $0.value) }
                let round = trainer.stepsPerRound
                let when =
                    trainer is RLTrainer
                    ? "eval after iteration \(step / round) (step \(step)): "
                    : String(
                        format: "eval at step %d (epoch %.2f): ", step,
                        Double(step) / Double(max(1, session.stepsPerEpoch)))
                options.note(when + text.joined(separator: "  "))
            })
        progress.finish()
        switch outcome {
        case .finished(let id, let sha256):
            options.note(
                "saved checkpoint \(run.name) (id \(id), sha256 \(sha256.prefix(12))…) in "
                    + "\(Workspace.checkpointPath(name: run.name))/ after "
                    + String(format: "%.1fs", progress.elapsed)
                    + (lastMetrics["loss"].map { String(format: ", last loss %.4f", $0) } ?? ""))
            return Result(
                checkpointID: id, sha256: sha256, metrics: lastMetrics, steps: session.totalSteps,
                seconds: progress.elapsed, alreadyFinished: false)
        case .interrupted(let step):
            options.note(
                "interrupted at step \(step): saved \(Workspace.checkpointPath(name: run.name))/; run the same command "
                    + "to resume")
            throw ExitCode(130)
        }
    }

    /// What a training step's progress line shows after the step count: the loss, the trainer's key metric
    /// (a reward model's accuracy, say) and the speed.
    static func stepDetail(loss: Double, keyMetric: (name: String, value: Double)?, tokensPerSecond: Double) -> String {
        var parts = [String(format: "loss %.4f", loss)]
        if let keyMetric { parts.append(String(format: "\(keyMetric.name) %.3f", keyMetric.value)) }
        parts.append(ProgressLine.rate(tokensPerSecond, unit: "tok/s"))
        return parts.joined(separator: ", ")
    }

    /// An RL iteration's rollouts in one line (at the iteration's first step, where their metrics are recorded):
    /// the training score, gold (oracle) and proxy (reward model) rewards, KL to the reference, length, share ended.
    static func iterationLine(_ step: SessionStep, stepsPerRound: Int) -> String? {
        let m = step.metrics
        guard let kl = m["objective/kl"] else { return nil }
        var parts = ["iteration \((step.step - 1) / stepsPerRound + 1)"]
        if let score = m["objective/scores"] { parts.append(String(format: "score %.3f", score)) }
        if let gold = m["reward/gold"] { parts.append(String(format: "gold %.3f", gold)) }
        if let proxy = m["reward/proxy"] { parts.append(String(format: "proxy %.3f", proxy)) }
        parts.append(String(format: "KL %.3f", kl))
        if let length = m["completions/mean_length"] { parts.append(String(format: "length %.1f", length)) }
        if let ended = m["completions/ended_share"] { parts.append(String(format: "ended %.0f%%", 100 * ended)) }
        if let seconds = m["rollout/seconds"] { parts.append(String(format: "rollouts %.1fs", seconds)) }
        return parts.joined(separator: "  ")
    }

    /// After training: on a task-world workspace, the oracle's eval of the result beside its parent's (recorded
    /// with the run, printed as a table); then, with `--json`, the run's JSON line.
    static func report(
        _ run: PreparedRun, result: Result, kind: String, options: TrainOptions, oraclePerFamily: Int,
        maxNewTokens: Int, workspace: Workspace, database: TallyDatabase
    ) throws {
        var eval: [String: Any] = run.session?.lastEval ?? [:]
        if oraclePerFamily > 0, try OracleComparison.isWorldWorkspace(database) {
            let comparison = try OracleComparison.run(
                parent: run.parent.record.name, result: run.name, perFamily: oraclePerFamily, seed: options.seed,
                maxNewTokens: maxNewTokens, workspace: workspace, database: database)
            if options.json { options.note(comparison.table) } else { print(comparison.table) }
            try run.session?.record(step: result.steps, metrics: comparison.metrics)
            for (key, value) in comparison.metrics { eval[key] = value }
        }
        if options.json {
            print(
                jsonLine(
                    runID: run.session?.runID, checkpoint: run.name, kind: kind, steps: result.steps,
                    metrics: result.metrics, eval: eval))
        }
    }

    /// The `--json` object: `{"run", "checkpoint", "kind", "steps", "metrics", "eval"}`.
    static func jsonLine(
        runID: Int64?, checkpoint: String, kind: String, steps: Int, metrics: [String: Double], eval: [String: Any]
    ) -> String {
        let object: [String: Any] = [
            "run": runID.map { $0 as Any } ?? NSNull(), "checkpoint": checkpoint, "kind": kind, "steps": steps,
            "metrics": metrics.filter { $0.value.isFinite }, "eval": eval,
        ]
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self)
    }
}
