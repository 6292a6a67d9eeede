import Foundation
import Testing
import TallyStore

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
        #expect(trained.error.contains("step 80/80"), "progress: \(trained.error)")

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
            #expect(text.hasPrefix(" four five six"), "generated: \(text)")
        }
        #expect(lines[0] == lines[1], "greedy samples are identical")

        // The checkpoint folder also works as a Hugging Face folder path.
        let byFolder = try TallyBinary.run([
            "generate", "--checkpoint", "\(workspace)/checkpoints/tiny", "--prompt", "one two three",
            "--temperature", "0", "--max-tokens", "8",
        ])
        #expect(byFolder.status == 0, "stderr: \(byFolder.error)")
        #expect(byFolder.output.hasPrefix(" four five six"), "stdout: \(byFolder.output)")
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
