import Foundation
import TallyStore
import Testing

@Suite(.enabled(if: TallyBinary.url != nil, "the tally executable is built next to the tests"))
struct WorldCommandTests {
    @Test func worldPromptsImportIntoTheirSplit() throws {
        let temp = try TemporaryFolder()
        let workspace = temp.url.appendingPathComponent("ws").path
        #expect(try TallyBinary.run(["init", workspace]).status == 0)
        let file = temp.url.appendingPathComponent("eval.jsonl").path
        let written = try TallyBinary.run([
            "world", "prompts", "--split", "eval", "--count", "40", "--seed", "3", "--out", file,
        ])
        #expect(written.status == 0, "stderr: \(written.error)")
        let lines = try String(contentsOfFile: file, encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 40)
        #expect(lines.allSatisfy { $0.hasPrefix("{\"prompt\":") && $0.contains("\"split\":\"eval\"") })
        #expect(try TallyBinary.run(["import", "prompts", file, "--workspace", workspace]).status == 0)
        let database = try Workspace(root: URL(fileURLWithPath: workspace)).openDatabase()
        #expect(try database.status().prompts["eval"] == 40)
    }

    @Test func worldCandidatesFillTheRankingQueueAndTheCorpusIsWritten() throws {
        let temp = try TemporaryFolder()
        let workspace = temp.url.appendingPathComponent("ws").path
        #expect(try TallyBinary.run(["init", workspace]).status == 0)
        let file = temp.url.appendingPathComponent("candidates.jsonl").path
        let written = try TallyBinary.run(["world", "responses", "--count", "12", "--seed", "2", "--out", file])
        #expect(written.status == 0, "stderr: \(written.error)")
        let imported = try TallyBinary.run(["import", "responses", file, "--workspace", workspace])
        #expect(imported.status == 0, "stderr: \(imported.error)")
        let database = try Workspace(root: URL(fileURLWithPath: workspace)).openDatabase()
        #expect(try database.status().openTasks["ranking"] == 12)

        let corpus = temp.url.appendingPathComponent("corpus.jsonl").path
        let result = try TallyBinary.run(["world", "corpus", "--out", corpus, "--documents", "30", "--seed", "4"])
        #expect(result.status == 0, "stderr: \(result.error)")
        let documents = try String(contentsOfFile: corpus, encoding: .utf8).split(separator: "\n")
        #expect(documents.count == 30)
        #expect(documents.allSatisfy { $0.hasPrefix("{\"text\":\"") })
    }

    @Test func evaluateSummarisesResponsesAndNamesABadLine() throws {
        let temp = try TemporaryFolder()
        let good = try temp.file(
            "samples.jsonl",
            [
                #"{"prompt": "What is 37 plus 45?", "completion": "82"}"#,
                #"{"prompt": "What is 37 plus 45?", "completion": "83"}"#,
                #"{"prompt": "Tell me a joke.", "completion": "No."}"#,
            ])
        let result = try TallyBinary.run(["world", "evaluate", good.path])
        #expect(result.status == 0, "stderr: \(result.error)")
        #expect(result.output.contains("judged 2 responses (1 skipped"))
        #expect(result.output.contains("arithmetic         correct 0.500"))

        _ = try temp.file(
            "bad.jsonl", [#"{"prompt": "What is 1 plus 1?", "completion": "2"}"#, #"{"prompt": 3}"#])
        // By a relative path, as users type it: the error names the file as given.
        let failure = try TallyBinary.run(["world", "evaluate", "bad.jsonl"], in: temp.url)
        #expect(failure.status != 0)
        #expect(failure.error.contains("bad.jsonl:2: \"prompt\" is missing"), "stderr: \(failure.error)")
    }

    @Test func simulatedLabelersWorkTheQueuesConcurrentlyAndLoseNothing() throws {
        let temp = try TemporaryFolder()
        let workspace = temp.url.appendingPathComponent("ws").path
        #expect(try TallyBinary.run(["init", workspace]).status == 0)
        let result = try TallyBinary.run([
            "simulate", "--labelers", "4", "--items", "48", "--overlap", "2", "--seed", "5", "--workspace", workspace,
        ])
        #expect(result.status == 0, "stderr: \(result.error)")
        #expect(result.output.contains("48 labels"), "output: \(result.output)")
        #expect(result.output.contains("simulated labelers agree on"), "output: \(result.output)")

        let database = try Workspace(root: URL(fileURLWithPath: workspace)).openDatabase()
        let status = try database.status()
        #expect(status.demonstrations + status.rankings + status.comparisons == 48)
        let simulated = status.labelers.filter { $0.name.hasPrefix("sim-") }
        #expect(simulated.count == 4)
        #expect(simulated.allSatisfy { $0.demonstrations + $0.rankings + $0.comparisons == 12 })
    }
}
