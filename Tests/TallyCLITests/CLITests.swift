import Crypto
import Foundation
import TallyEngine
import TallyStore
import Testing

@Suite(.enabled(if: TallyBinary.url != nil, "the tally executable is built next to the tests"))
struct CLITests {
    /// A workspace made by `tally init` holding one imported pair, and its database file's path.
    private func workspaceWithOnePair(in temp: TemporaryFolder) throws -> (workspace: String, database: URL) {
        let workspace = temp.url.appendingPathComponent("ws").path
        #expect(try TallyBinary.run(["init", workspace]).status == 0)
        let good = try temp.file("good.jsonl", [#"{"prompt": "Q", "chosen": "a", "rejected": "b"}"#])
        #expect(try TallyBinary.run(["import", "prefs", good.path, "--workspace", workspace]).status == 0)
        return (workspace, URL(fileURLWithPath: workspace).appendingPathComponent("tally.sqlite"))
    }

    @Test func badLineTwoFailsNamingItAndLeavesDatabaseByteIdentical() throws {
        let temp = try TemporaryFolder()
        let (workspace, database) = try workspaceWithOnePair(in: temp)
        let before = try Data(contentsOf: database)

        let bad = try temp.file(
            "bad.jsonl",
            [
                #"{"prompt": "Q1", "chosen": "a", "rejected": "b"}"#,
                #"{"prompt": "Q2", "chosen": "a", "rejected": }"#,
                #"{"prompt": "Q3", "chosen": "a", "rejected": "b"}"#,
            ])
        let result = try TallyBinary.run(["import", "prefs", "bad.jsonl", "--workspace", workspace], in: temp.url)
        #expect(result.status != 0)
        #expect(result.error.contains("bad.jsonl:2: not valid JSON"), "stderr: \(result.error)")
        #expect(try Data(contentsOf: database) == before)
        #expect(SHA256.hash(data: try Data(contentsOf: database)) == SHA256.hash(data: before))

        let skipped = try TallyBinary.run(["import", "prefs", bad.path, "--skip-bad", "--workspace", workspace])
        #expect(skipped.status == 0)
        #expect(skipped.output.contains("2 of 3 lines imported"))
        #expect(skipped.output.contains("bad.jsonl:2:"))
    }

    @Test func badLineDeepInABigFileLeavesDatabaseByteIdentical() throws {
        let temp = try TemporaryFolder()
        let (workspace, database) = try workspaceWithOnePair(in: temp)
        let before = try Data(contentsOf: database)
        // Several read blocks of lines before the bad one.
        let filler = String(repeating: "z", count: 300)
        let lines = (1...30_000).map { index in
            index == 29_999
                ? #"{"prompt": "Q\#(index)", "chosen": "a"}"#
                : #"{"prompt": "Q\#(index) \#(filler)", "chosen": "a", "rejected": "b"}"#
        }
        _ = try temp.file("big.jsonl", lines)
        let result = try TallyBinary.run(["import", "prefs", "big.jsonl", "--workspace", workspace], in: temp.url)
        #expect(result.status != 0)
        #expect(result.error.contains("big.jsonl:29999: \"rejected\" is missing"), "stderr: \(result.error)")
        #expect(try Data(contentsOf: database) == before)
    }

    @Test func initStartsFromGivenGuidelinesAndRefusesAFolderWithoutAny() throws {
        let temp = try TemporaryFolder()
        let guides = temp.url.appendingPathComponent("guides")
        try FileManager.default.createDirectory(at: guides, withIntermediateDirectories: true)
        try Data("# Our rules\n".utf8).write(to: guides.appendingPathComponent("rules.md"))
        let good = temp.url.appendingPathComponent("good").path
        #expect(try TallyBinary.run(["init", good, "--instructions", guides.path]).status == 0)
        let installed = URL(fileURLWithPath: good).appendingPathComponent("instructions/rules.md")
        #expect(try String(contentsOf: installed, encoding: .utf8) == "# Our rules\n")

        // A folder with no guidelines is an error naming it, and no workspace is left half-made.
        let empty = temp.url.appendingPathComponent("empty")
        try FileManager.default.createDirectory(at: empty, withIntermediateDirectories: true)
        let bad = temp.url.appendingPathComponent("bad").path
        let result = try TallyBinary.run(["init", bad, "--instructions", empty.path])
        #expect(result.status != 0)
        #expect(result.error.contains("holds no guidelines"), "stderr: \(result.error)")
        #expect(!FileManager.default.fileExists(atPath: bad + "/tally.sqlite"))
    }

    @Test func commandsFindTheWorkspaceLikeGit() throws {
        let temp = try TemporaryFolder()
        let root = temp.url.appendingPathComponent("project")
        #expect(try TallyBinary.run(["init", root.path]).status == 0)
        let nested = root.appendingPathComponent("notes/deeper")
        try FileManager.default.createDirectory(at: nested, withIntermediateDirectories: true)
        #expect(try TallyBinary.run(["status"], in: nested).status == 0)
        #expect(try TallyBinary.run(["status"], in: temp.url, environment: ["TALLY_WORKSPACE": root.path]).status == 0)
        let missing = try TallyBinary.run(["status"], in: temp.url)
        #expect(missing.status != 0)
        #expect(missing.error.contains("no Tally workspace found"))
        #expect(missing.error.contains("tally init"))
    }

    @Test func statusJSONReportsCounts() throws {
        let temp = try TemporaryFolder()
        let workspace = temp.url.appendingPathComponent("ws").path
        #expect(try TallyBinary.run(["init", workspace]).status == 0)
        let prompts = try temp.file("prompts.jsonl", ["One", "Two", #"{"prompt": "Three", "split": "test"}"#, "One"])
        let imported = try TallyBinary.run(["import", "prompts", prompts.path, "--workspace", workspace])
        #expect(imported.output.contains("prompts: 3 new, 1 merged"))
        let result = try TallyBinary.run(["status", "--json", "--agreement", "--workspace", workspace])
        #expect(result.status == 0)
        let object = try JSONSerialization.jsonObject(with: Data(result.output.utf8)) as? [String: Any]
        let status = object?["status"] as? [String: Any]
        #expect((status?["prompts"] as? [String: Int]) == ["train": 2, "eval": 0, "test": 1])
        #expect(object?["agreement"] != nil)
    }

    /// Eight processes label the same database at once: nothing is lost, nothing duplicated, and the
    /// overlap target (8) sends every task to each labeler exactly once.
    @Test func eightConcurrentLabelersLoseAndDuplicateNothing() throws {
        let temp = try TemporaryFolder()
        let workspace = try Workspace.create(at: temp.url.appendingPathComponent("ws"))
        let labelers = 8
        let perLabeler = 500
        do {
            let database = try workspace.openDatabase()
            try database.setOverlapTarget(labelers)
            var lines: [String] = []
            for index in 0..<perLabeler {
                lines.append(
                    #"{"prompt": "Prompt \#(index)", "responses": ["a\#(index)", "b\#(index)", "c\#(index)"]}"#)
            }
            let file = try temp.file("responses.jsonl", lines)
            let summary = try database.importFile(file, options: ImportOptions(kind: .responses))
            #expect(summary.tasksAdded == perLabeler)
            database.close()
        }
        let running = try (0..<labelers).map { index in
            try TallyBinary.start([
                "debug", "submit-labels", "--labeler", "labeler\(index)", "--count", String(perLabeler),
                "--workspace", workspace.root.path,
            ])
        }
        for (index, process) in running.enumerated() {
            let result = process.finish()
            #expect(result.status == 0, "labeler\(index) failed: \(result.error)")
        }
        let database = try workspace.openDatabase()
        let status = try database.status()
        #expect(status.rankings == labelers * perLabeler)
        // The workspace's creator, its first admin, labelled nothing.
        let workers = status.labelers.filter { $0.name != SystemAccount.current }
        #expect(workers.count == labelers)
        for progress in workers {
            #expect(progress.rankings == perLabeler, "\(progress.name)")
            #expect(progress.inProgress == 0)
        }
        #expect(status.openTasks["ranking"] == 0)
        // 8 distinct labelers per task, 3 entries per ranking: each label landed exactly once.
        let report = try database.agreement()
        #expect(report.rankingUnits == perLabeler * 3)
        #expect(report.rankingResponsePairs == perLabeler * 3 * (labelers * (labelers - 1) / 2))
        #expect(try database.preferencePairs().count == labelers * perLabeler * 3)
    }
}

@Suite struct OpenBLASKernelChoiceTests {
    private static let cpuInfo = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
    /// Whether this machine's CPU can run OpenBLAS's SkylakeX kernels.
    private var cpuRunsSkylakeX: Bool { OpenBLASChoice.cpuSupportsSkylakeX(cpuInfo: Self.cpuInfo) }
    /// Whether it can run the Haswell (AVX2) ones.
    private static var cpuRunsHaswell: Bool { OpenBLASChoice.cpuFlags(cpuInfo: cpuInfo).contains("avx2") }

    private func core(_ environment: [String: String]) throws -> String {
        let result = try TallyBinary.run(["debug", "blas"], environment: environment)
        #expect(result.status == 0, "\(result.error)")
        let line = result.output.split(separator: "\n").first { $0.hasPrefix("core ") }
        return String(line?.dropFirst(5) ?? "")
    }

    @Test(.enabled(if: cpuRunsHaswell, "needs an x86-64 CPU with AVX2"))
    func anInheritedSlowCoreTypeIsUpgradedOnAVX512CPUs() throws {
        let core = try core(["OPENBLAS_CORETYPE": "Haswell"])
        if cpuRunsSkylakeX {
            #expect(core == "SkylakeX")
        } else {
            #expect(core == "Haswell")
        }
    }

    @Test(.enabled(if: cpuRunsHaswell, "needs an x86-64 CPU with AVX2"))
    func tallysOwnVariableAlwaysWins() throws {
        #expect(try core(["OPENBLAS_CORETYPE": "SkylakeX", "TALLY_OPENBLAS_CORETYPE": "Haswell"]) == "Haswell")
    }
}
