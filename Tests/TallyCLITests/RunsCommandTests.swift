import Foundation
import TallyStore
import Testing

/// `tally runs`, `tally runs show` and `tally runs export` on a workspace whose runs were recorded without
/// training: a finished SFT run, a failed reward-model run and a running DPO run with TRL-style metric names.
@Suite(.enabled(if: TallyBinary.url != nil, "the tally executable is built next to the tests"))
struct RunsCommandTests {
    /// The SFT run's loss at `step` (1...40): 2.475 falling to 1.5.
    static func sftLoss(_ step: Int) -> Double { Double(100 - step) / 40 }

    /// A workspace with checkpoints base and sft-1 and three runs (ids 1, 2, 3); its path.
    static func workspaceWithRuns(in temp: TemporaryFolder) throws -> String {
        let workspace = try Workspace.create(at: temp.url.appendingPathComponent("ws"))
        let database = try workspace.openDatabase()
        defer { database.close() }
        let base = try database.registerCheckpoint(
            name: "base", kind: .base, path: "checkpoints/base", config: "{}", sha256: "0")

        let sft = try database.startTrainingRun(
            kind: .sft, name: "sft-1", parents: TrainingRunParents(initial: base),
            config: #"{"lr": 0.0003, "batch": 8, "note": "\u001b[31mred"}"#, totalSteps: 40)
        for step in 1...40 {
            try database.recordMetrics(
                runID: sft, step: step,
                values: ["loss": sftLoss(step), "lr": 0.0003, "grad_norm": 1 + Double(step % 3)])
            if step % 10 == 0 {
                try database.recordMetrics(
                    runID: sft, step: step, values: ["eval/loss": 1.625 + Double(40 - step) / 40])
            }
        }
        try database.recordMetrics(runID: sft, step: 40, values: ["oracle/mean_score": 0.625])
        let sftCheckpoint = try database.registerCheckpoint(
            name: "sft-1", kind: .sft, parentID: base, path: "checkpoints/sft-1", config: "{}", sha256: "1")
        try database.finishTrainingRun(id: sft, status: .finished, outputCheckpointID: sftCheckpoint)

        let rm = try database.startTrainingRun(
            kind: .rm, name: "rm-1", parents: TrainingRunParents(initial: sftCheckpoint), config: "{}", totalSteps: 30)
        for step in 1...12 {
            try database.recordMetrics(
                runID: rm, step: step, values: ["loss": 0.69 - Double(step) / 100, "accuracy": 0.5 + Double(step) / 40])
        }
        try database.recordMetrics(runID: rm, step: 10, values: ["eval/accuracy": 0.7])
        try database.finishTrainingRun(
            id: rm, status: .failed, outputCheckpointID: nil,
            error: "the loss became nan at step 13;\nlower --lr (now 0.0003) and start over with --fresh")

        let dpo = try database.startTrainingRun(
            kind: .dpo, name: "dpo-1", parents: TrainingRunParents(initial: sftCheckpoint, reference: sftCheckpoint),
            config: "{}", totalSteps: nil)
        for step in 1...5 {
            try database.recordMetrics(
                runID: dpo, step: step,
                values: ["loss": 0.7 - Double(step) / 50, "rewards/margins": Double(step) / 10, "logps/chosen": -40])
        }
        return workspace.root.path
    }

    @Test func listShowsParentsStatusStepsFinalMetricsAndTheErrorOfAFailedRun() throws {
        let temp = try TemporaryFolder()
        let workspace = try Self.workspaceWithRuns(in: temp)
        let result = try TallyBinary.run(["runs", "--workspace", workspace], environment: ["NO_COLOR": "1"])
        #expect(result.status == 0, "stderr: \(result.error)")
        let lines = result.output.split(separator: "\n").map(String.init)
        #expect(lines.count == 5, "stdout: \(result.output)")
        #expect(lines[0].hasPrefix("id  kind  name   parents"))
        let sft = lines[1].split(separator: " ").map(String.init)
        #expect(sft == ["1", "sft", "sft-1", "init=base", "finished", "40/40", "0s", "1.5000", "1.6250", "-"])
        let rm = lines[2].split(separator: " ").map(String.init)
        #expect(Array(rm.prefix(7)) == ["2", "rm", "rm-1", "init=sft-1", "failed", "12/30", "0s"])
        #expect(lines[2].hasSuffix("accuracy 0.8000, eval 0.7000"))
        #expect(lines[3].trimmingCharacters(in: .whitespaces).hasPrefix("└ the loss became nan at step 13; lower --lr"))
        #expect(lines[4].contains("init=sft-1 reference=sft-1") && lines[4].contains("running"))
        #expect(lines[4].contains("5  running"))
        #expect(!result.output.contains("\u{1B}"))
    }

    @Test func listAsJSONIsAnArrayOfObjects() throws {
        let temp = try TemporaryFolder()
        let workspace = try Self.workspaceWithRuns(in: temp)
        let result = try TallyBinary.run(["runs", "--json", "--workspace", workspace])
        #expect(result.status == 0, "stderr: \(result.error)")
        let runs = try #require(
            try JSONSerialization.jsonObject(with: Data(result.output.utf8)) as? [[String: Any]])
        #expect(runs.map { $0["id"] as? Int } == [1, 2, 3])
        #expect(runs.map { $0["kind"] as? String } == ["sft", "rm", "dpo"])
        let parents = runs[0]["parents"] as? [String: [String: Any]]
        #expect(parents?["init"]?["name"] as? String == "base")
        #expect((runs[0]["output_checkpoint"] as? [String: Any])?["name"] as? String == "sft-1")
        #expect((runs[0]["final_metrics"] as? [String: Double])?["eval/loss"] == 1.625)
        #expect(runs[0]["total_steps"] as? Int == 40 && runs[0]["steps"] as? Int == 40)
        #expect((runs[1]["error"] as? String)?.hasPrefix("the loss became nan") == true)
        #expect(runs[1]["status"] as? String == "failed")
        #expect(runs[2]["duration_seconds"] is NSNull && runs[2]["total_steps"] is NSNull)
        #expect((runs[2]["parents"] as? [String: Any])?.keys.sorted() == ["init", "reference"])
    }

    @Test func showPrintsTheConfigAMetricTableAndPlotsWithoutEscapesUnderNoColor() throws {
        let temp = try TemporaryFolder()
        let workspace = try Self.workspaceWithRuns(in: temp)
        let result = try TallyBinary.run(
            ["runs", "show", "1", "--width", "60", "--workspace", workspace], environment: ["NO_COLOR": "1"])
        #expect(result.status == 0, "stderr: \(result.error)")
        let output = result.output
        #expect(output.hasPrefix("run 1  sft  sft-1  finished\n  parents  init=base (checkpoint 1)"))
        // The config, pretty-printed, with the escape sequence it holds made harmless.
        #expect(output.contains("config\n  {\n"))
        #expect(output.contains(#""batch" : 8"#) || output.contains(#""batch": 8"#))
        #expect(output.contains("[31mred"))
        #expect(!output.contains("\u{1B}"))
        // The table: training metrics, then eval ones, then the figures after training.
        let lines = output.split(separator: "\n", omittingEmptySubsequences: false).dropLast().map(String.init)
        let loss = try #require(lines.first { $0.hasPrefix("  loss ") })
        #expect(loss.split(separator: " ") == ["loss", "2.4750", "1.5000", "1.5000", "2.4750", "40"])
        let eval = try #require(lines.first { $0.hasPrefix("  eval/loss ") })
        #expect(eval.split(separator: " ") == ["eval/loss", "2.3750", "1.6250", "1.6250", "2.3750", "4"])
        let training = try #require(lines.firstIndex { $0.hasPrefix("training ") })
        let evaluation = try #require(lines.firstIndex { $0.hasPrefix("evaluation ") })
        let after = try #require(lines.firstIndex { $0 == "after training (step 40)" })
        #expect(training < evaluation && evaluation < after)
        #expect(lines.contains { $0.hasPrefix("  oracle/mean_score") && $0.hasSuffix("0.6250") })
        // One plot, loss with eval/loss overlaid: braille dots, × markers, labelled axes, 60 columns at most.
        let legend = try #require(lines.firstIndex(of: "⠤⠒ loss   × eval/loss"))
        let plot = Array(lines[(legend + 1)...])
        #expect(plot.count == 12 + 2)
        #expect(plot[0].hasPrefix("2.4750 ┤") && plot[11].hasPrefix("1.5000 ┤"))
        #expect(plot.joined().unicodeScalars.contains { (0x2801...0x28FF).contains($0.value) })
        #expect(plot.joined().filter { $0 == "×" }.count == 4)
        #expect(plot.last!.hasPrefix("        1 ") && plot.last!.hasSuffix(" 40"))
        #expect(plot.allSatisfy { $0.count <= 60 })
    }

    @Test func showPlotsTheChosenMetricsAndNamesTheRecordedOnesForAnUnknownOne() throws {
        let temp = try TemporaryFolder()
        let workspace = try Self.workspaceWithRuns(in: temp)
        let rm = try TallyBinary.run(["runs", "show", "2", "--height", "6", "--workspace", workspace])
        #expect(rm.status == 0, "stderr: \(rm.error)")
        #expect(rm.output.contains("\nloss\n"), "the loss alone: the run has no eval/loss")
        #expect(rm.output.contains("⠤⠒ accuracy   × eval/accuracy"))
        #expect(rm.output.contains("  error    the loss became nan at step 13; lower --lr"))

        let chosen = try TallyBinary.run(
            ["runs", "show", "3", "--metric", "rewards/margins", "--metric", "logps/chosen", "--workspace", workspace])
        #expect(chosen.status == 0, "stderr: \(chosen.error)")
        #expect(chosen.output.contains("\nrewards/margins\n") && chosen.output.contains("\nlogps/chosen\n"))
        #expect(!chosen.output.contains("\nloss\n"))

        let unknown = try TallyBinary.run(["runs", "show", "1", "--metric", "kl", "--workspace", workspace])
        #expect(unknown.status != 0)
        #expect(
            unknown.error.contains(
                #"the run recorded no metric "kl"; it has: grad_norm, loss, lr, eval/loss, oracle/mean_score"#),
            "stderr: \(unknown.error)")
    }

    @Test func exportWritesEveryStepAsJSONLAndAsCSV() throws {
        let temp = try TemporaryFolder()
        let workspace = try Self.workspaceWithRuns(in: temp)
        let jsonl = try TallyBinary.run(["runs", "export", "1", "--workspace", workspace])
        #expect(jsonl.status == 0, "stderr: \(jsonl.error)")
        let lines = jsonl.output.split(separator: "\n").map(String.init)
        #expect(lines.count == 40)
        #expect(lines[0] == #"{"step": 1, "grad_norm": 2.0, "loss": 2.475, "lr": 0.0003}"#)
        let objects = try lines.map { try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Double] }
        #expect(objects[9]?.keys.sorted() == ["eval/loss", "grad_norm", "loss", "lr", "step"])
        #expect(objects[10]?["eval/loss"] == nil)
        #expect(objects[39]?["oracle/mean_score"] == 0.625)
        #expect(
            objects.enumerated().allSatisfy { $1?["loss"] == Self.sftLoss($0 + 1) && $1?["step"] == Double($0 + 1) })

        let csvFile = temp.url.appendingPathComponent("run1.csv")
        let csv = try TallyBinary.run(
            ["runs", "export", "1", "--format", "csv", "--out", csvFile.path, "--workspace", workspace])
        #expect(csv.status == 0, "stderr: \(csv.error)")
        #expect(csv.output.contains("Wrote 40 steps of 5 metrics (csv) to"))
        let rows = try String(contentsOf: csvFile, encoding: .utf8).split(separator: "\n").map(String.init)
        #expect(rows.count == 41)
        #expect(rows[0] == "step,grad_norm,loss,lr,eval/loss,oracle/mean_score")
        #expect(rows[1] == "1,2.0,2.475,0.0003,,")
        #expect(rows[10] == "10,2.0,2.25,0.0003,2.375,")
        #expect(rows[40] == "40,2.0,1.5,0.0003,1.625,0.625")
    }

    @Test func errorsNameTheRunsThereAreOrHowToStartOne() throws {
        let temp = try TemporaryFolder()
        let workspace = try Self.workspaceWithRuns(in: temp)
        let unknown = try TallyBinary.run(["runs", "show", "9", "--workspace", workspace])
        #expect(unknown.status != 0)
        #expect(unknown.error.contains("no training run 9; the runs are 1–3"), "stderr: \(unknown.error)")
        let export = try TallyBinary.run(["runs", "export", "0", "--workspace", workspace])
        #expect(export.status != 0 && export.error.contains("no training run 0"))

        let empty = try Workspace.create(at: temp.url.appendingPathComponent("empty")).root.path
        let list = try TallyBinary.run(["runs", "--workspace", empty])
        #expect(list.status == 0)
        #expect(list.output.contains("No training runs yet: start one with `tally train sft`"))
        #expect(try TallyBinary.run(["runs", "--json", "--workspace", empty]).output == "[]\n")
        let show = try TallyBinary.run(["runs", "show", "1", "--workspace", empty])
        #expect(show.status != 0)
        #expect(show.error.contains("this workspace has no training runs yet; start one with `tally train sft`"))
    }
}
