import Foundation
import TallyStore
import Testing

@Suite(.enabled(if: TallyBinary.url != nil, "the tally executable is built next to the tests"))
struct PretrainGenerateCLITests {
    static let corpusLines = (0..<60).map { _ in #"{"text": "one two three four five six seven eight nine ten."}"# }

    @Test func pretrainThenGenerateJSONContinuesTheCorpus() throws {
        let temp = try TemporaryFolder()
        let workspace = temp.url.appendingPathComponent("ws").path
        #expect(try TallyBinary.run(["init", workspace]).status == 0)
        let corpus = try temp.file("corpus.jsonl", Self.corpusLines)
        let arguments = [
            "pretrain", "--corpus", corpus.path, "--vocab-size", "300", "--layers", "1", "--heads", "2",
            "--width", "32", "--context", "16", "--batch", "4", "--steps", "80", "--lr", "1e-2", "--warmup", "5",
            "--save-every", "20", "--out", "tiny", "--workspace", workspace,
        ]
        let trained = try TallyBinary.run(arguments)
        #expect(trained.status == 0, "stderr: \(trained.error)")
        #expect(trained.output.contains("saved checkpoint tiny"), "stdout: \(trained.output)")
        #expect(trained.error.contains("pretrain: 80/80 steps"), "progress: \(trained.error)")

        let database = try Workspace(root: URL(fileURLWithPath: workspace)).openDatabase()
        let record = try #require(try database.checkpoint(named: "tiny"))
        database.close()
        #expect(record.kind == .base)

        // Rerunning the finished command trains nothing.
        let again = try TallyBinary.run(arguments)
        #expect(again.status == 0)
        #expect(again.output.contains("already trained"))

        let generated = try TallyBinary.run([
            "generate", "--checkpoint", "tiny", "--prompt", "one two three", "--temperature", "0",
            "--max-tokens", "8", "--samples", "2", "--json", "--workspace", workspace,
        ])
        #expect(generated.status == 0, "stderr: \(generated.error)")
        let lines = generated.output.split(separator: "\n")
        #expect(lines.count == 2)
        for line in lines {
            let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            let text = try #require(object["text"] as? String)
            let tokens = try #require(object["tokens"] as? [Int])
            #expect(!tokens.isEmpty && tokens.count <= 8)
            #expect(text.hasPrefix("four five six"), "generated: \(text)")
        }
        #expect(lines[0] == lines[1], "greedy samples are identical")

        // The checkpoint folder also works as a Hugging Face folder path.
        let byFolder = try TallyBinary.run([
            "generate", "--checkpoint", "\(workspace)/checkpoints/tiny", "--prompt", "one two three",
            "--temperature", "0", "--max-tokens", "8",
        ])
        #expect(byFolder.status == 0, "stderr: \(byFolder.error)")
        #expect(byFolder.output.hasPrefix("four five six"), "stdout: \(byFolder.output)")
    }

    @Test func pretrainWithoutCorpusSaysWhatToPass() throws {
        let temp = try TemporaryFolder()
        let workspace = temp.url.appendingPathComponent("ws").path
        #expect(try TallyBinary.run(["init", workspace]).status == 0)
        let result = try TallyBinary.run(["pretrain", "--vocab-size", "300", "--workspace", workspace])
        #expect(result.status != 0)
        #expect(result.error.contains("--corpus"), "stderr: \(result.error)")
        #expect(result.error.contains("tally world corpus"), "stderr: \(result.error)")

        let missing = try TallyBinary.run([
            "generate", "--checkpoint", "nope", "--prompt", "hi", "--workspace", workspace,
        ])
        #expect(missing.status != 0)
        #expect(missing.error.contains("nope"), "stderr: \(missing.error)")
    }
}

@Suite(.enabled(if: TallyBinary.url != nil, "the tally executable is built next to the tests"))
struct PretrainResumeCLITests {
    /// Ctrl-C after the first save, then the same command again: the final weights are byte-identical to those of
    /// a run never interrupted (same SHA-256), and the database holds one finished run with every step's loss.
    @Test func interruptedPretrainResumesToTheSameWeights() throws {
        let temp = try TemporaryFolder()
        let corpus = try temp.file("corpus.txt", [String(repeating: "the cat sat on the mat. ", count: 100)])
        func arguments(_ workspace: String) -> [String] {
            [
                "pretrain", "--corpus", corpus.path, "--vocab-size", "300", "--layers", "1", "--heads", "2",
                "--width", "16", "--context", "8", "--batch", "2", "--steps", "150", "--save-every", "10",
                "--out", "s", "--workspace", workspace,
            ]
        }
        let straight = temp.url.appendingPathComponent("straight").path
        let stopped = temp.url.appendingPathComponent("stopped").path
        for workspace in [straight, stopped] { #expect(try TallyBinary.run(["init", workspace]).status == 0) }
        #expect(try TallyBinary.run(arguments(straight)).status == 0)

        let running = try TallyBinary.start(arguments(stopped))
        let firstSave = URL(fileURLWithPath: stopped).appendingPathComponent("checkpoints/s/trainer_state.json")
        let deadline = Date().addingTimeInterval(60)
        while !FileManager.default.fileExists(atPath: firstSave.path) && Date() < deadline && running.process.isRunning
        {
            Thread.sleep(forTimeInterval: 0.02)
        }
        running.process.interrupt()
        let interrupted = running.finish()
        #expect(interrupted.status == 130, "stderr: \(interrupted.error)")
        #expect(interrupted.error.contains("run the same command to resume"), "stderr: \(interrupted.error)")

        let resumed = try TallyBinary.run(arguments(stopped))
        #expect(resumed.status == 0, "stderr: \(resumed.error)")
        #expect(resumed.error.contains("resuming s from step"), "stderr: \(resumed.error)")

        var digests: [String] = []
        for workspace in [straight, stopped] {
            let database = try Workspace(root: URL(fileURLWithPath: workspace)).openDatabase()
            defer { database.close() }
            let record = try #require(try database.checkpoint(named: "s"))
            digests.append(record.sha256)
            #expect(try database.metric(runID: 1, name: "loss").count == 150)
        }
        #expect(digests[0] == digests[1])
    }
}
