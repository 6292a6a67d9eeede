import Foundation
import TallyStore
import Testing

/// `tally train sft|rm`, `tally rm score` and `tally runs` through the built binary, on a workspace labeled by
/// simulated labelers.
@Suite(.serialized, .enabled(if: TallyBinary.url != nil, "the tally executable is built next to the tests"))
struct TrainCLITests {
    /// A workspace with a tiny base checkpoint and simulated demonstrations and rankings of world prompts.
    private func labeledWorkspace(_ temp: TemporaryFolder, _ name: String = "ws") throws -> String {
        let workspace = temp.url.appendingPathComponent(name).path
        #expect(try TallyBinary.run(["init", workspace]).status == 0)
        let model = temp.url.appendingPathComponent("tiny-\(name)")
        try TinyCheckpoint.write(to: model)
        let imported = try TallyBinary.run([
            "checkpoint", "import", model.path, "--name", "base", "--kind", "base", "--workspace", workspace,
        ])
        #expect(imported.status == 0, "stderr: \(imported.error)")
        let simulated = try TallyBinary.run([
            "simulate", "--labelers", "2", "--items", "80", "--workspace", workspace,
        ])
        #expect(simulated.status == 0, "stderr: \(simulated.error)")
        return workspace
    }

    /// The last line of standard output as a JSON object.
    private func lastJSON(_ output: String) throws -> [String: Any] {
        let line = try #require(output.split(separator: "\n").last.map(String.init))
        return try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
    }

    @Test func trainSFTThenRMWithJSONThenScore() throws {
        let temp = try TemporaryFolder()
        let workspace = try labeledWorkspace(temp)
        let sft = try TallyBinary.run([
            "train", "sft", "--steps", "6", "--batch", "4", "--truncate", "--json", "--oracle-per-family", "1",
            "--max-new-tokens", "4", "--workspace", workspace,
        ])
        #expect(sft.status == 0, "stderr: \(sft.error)")
        let sftJSON = try lastJSON(sft.output)
        #expect(sftJSON["checkpoint"] as? String == "sft" && sftJSON["kind"] as? String == "sft")
        #expect(sftJSON["steps"] as? Int == 6 && sftJSON["run"] as? Int == 1)
        #expect((sftJSON["metrics"] as? [String: Any])?["loss"] is Double)
        #expect((sftJSON["eval"] as? [String: Any])?["oracle/mean_score"] is Double, "\(sftJSON)")
        #expect(sft.error.contains("sft: 6/6 steps"), "stderr: \(sft.error)")

        let rm = try TallyBinary.run([
            "train", "rm", "--steps", "6", "--batch", "4", "--truncate", "--json", "--workspace", workspace,
        ])
        #expect(rm.status == 0, "stderr: \(rm.error)")
        let rmJSON = try lastJSON(rm.output)
        #expect(rmJSON["checkpoint"] as? String == "rm" && rmJSON["kind"] as? String == "rm")
        let eval = try #require(rmJSON["eval"] as? [String: Any])
        for key in ["pair_accuracy", "oracle_accuracy", "labeler_oracle_accuracy"] {
            #expect(eval[key] is Double, "\(key) missing in \(eval)")
        }
        #expect(rm.error.contains("accuracy against the oracle"), "stderr: \(rm.error)")

        let score = try TallyBinary.run([
            "rm", "score", "--checkpoint", "rm", "--prompt", "Add 3 and 62.", "--response", "65", "--json",
            "--workspace", workspace,
        ])
        #expect(score.status == 0, "stderr: \(score.error)")
        let scored = try lastJSON(score.output)
        let bias = try #require(eval["bias"] as? Double)
        let value = try #require(scored["score"] as? Double)
        let raw = try #require(scored["raw_score"] as? Double)
        #expect(abs(value - raw - bias) < 1e-9)
        #expect((scored["tokens"] as? [Int])?.isEmpty == false)

        // A base model is not a reward model; a reward model cannot be the parent of SFT.
        let notRM = try TallyBinary.run([
            "rm", "score", "--checkpoint", "base", "--prompt", "Hi", "--response", "Hello", "--workspace", workspace,
        ])
        #expect(notRM.status == 1 && notRM.error.contains("not a reward model"), "stderr: \(notRM.error)")
        let fromRM = try TallyBinary.run(["train", "sft", "--from", "rm", "--workspace", workspace])
        #expect(fromRM.status == 1 && fromRM.error.contains("is a rm checkpoint"), "stderr: \(fromRM.error)")

        let runs = try TallyBinary.run(["runs", "--json", "--workspace", workspace])
        let list = try #require(try JSONSerialization.jsonObject(with: Data(runs.output.utf8)) as? [[String: Any]])
        #expect(list.count == 2)
    }

    /// `kill -9` after the first save, then the same command: the run resumes and its registered weights have
    /// the SHA-256 of an uninterrupted run's; for SFT and for the reward model.
    @Test(arguments: ["sft", "rm"]) func killedTrainingResumesToTheSameWeights(trainer: String) throws {
        let temp = try TemporaryFolder()
        let straight = try labeledWorkspace(temp, "straight")
        let killed = temp.url.appendingPathComponent("killed").path
        try FileManager.default.copyItem(atPath: straight, toPath: killed)  // the same labels in both
        if trainer == "rm" {
            for workspace in [straight, killed] {
                let sft = try TallyBinary.run([
                    "train", "sft", "--steps", "3", "--truncate", "--oracle-per-family", "0", "--workspace", workspace,
                ])
                #expect(sft.status == 0, "stderr: \(sft.error)")
            }
        }
        let arguments =
            [
                "train", trainer, "--steps", "20", "--batch", "2", "--save-every", "3", "--truncate", "--name", "model",
            ] + (trainer == "sft" ? ["--oracle-per-family", "0"] : [])
        let done = try TallyBinary.run(arguments + ["--workspace", straight])
        #expect(done.status == 0, "stderr: \(done.error)")

        let running = try TallyBinary.start(arguments + ["--workspace", killed])
        let firstSave = URL(fileURLWithPath: killed).appendingPathComponent("checkpoints/model/trainer_state.json")
        let deadline = Date().addingTimeInterval(120)
        while !FileManager.default.fileExists(atPath: firstSave.path) && Date() < deadline && running.process.isRunning
        {
            Thread.sleep(forTimeInterval: 0.01)
        }
        kill(running.process.processIdentifier, SIGKILL)
        let result = running.finish()
        #expect(result.status != 0, "the run finished before it could be killed")

        let resumed = try TallyBinary.run(arguments + ["--workspace", killed])
        #expect(resumed.status == 0, "stderr: \(resumed.error)")
        #expect(resumed.error.contains("resuming model from step"), "stderr: \(resumed.error)")
        var digests: [String] = []
        for workspace in [straight, killed] {
            let database = try Workspace(root: URL(fileURLWithPath: workspace)).openDatabase()
            defer { database.close() }
            digests.append(try #require(try database.checkpoint(named: "model")).sha256)
            let runs = try database.trainingRuns().filter { $0.name == "model" }
            #expect(runs.count == 1 && runs[0].status == .finished && runs[0].lastStep == 20)
        }
        #expect(digests[0] == digests[1])
    }
}
