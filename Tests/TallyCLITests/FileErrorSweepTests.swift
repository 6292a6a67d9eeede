import Crypto
import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Every command that reads or writes files, run where files cannot be read or written: each fails with
/// exit status 1 and one line naming the path, what went wrong and what to do — never Foundation's or the
/// system's raw text or a Swift type name — and leaves the workspace database and earlier files as they were.
@Suite(.serialized, .enabled(if: TallyBinary.url != nil, "the tally executable is built next to the tests"))
struct FileErrorSweepTests {
    /// A workspace with enough labels and battles that every export writes more than ``fileSizeLimit``,
    /// a small checkpoint and a tokenizer corpus.
    struct Fixture {
        let temp: TemporaryFolder
        let workspace: String
        let database: URL
        let checkpoint: String
        let corpus: String

        init() throws {
            temp = try TemporaryFolder()
            workspace = temp.url.appendingPathComponent("ws").path
            database = URL(fileURLWithPath: workspace).appendingPathComponent("tally.sqlite")
            let created = try TallyBinary.run(["init", workspace])
            try #require(created.status == 0, "stderr: \(created.error)")
            let filler = String(repeating: "many words ", count: 20)
            let pairs = try temp.file(
                "pairs.jsonl",
                (0..<150).map { #"{"prompt": "Q\#($0) \#(filler)", "chosen": "yes \#($0)", "rejected": "no"}"# })
            let imported = try TallyBinary.run(["import", "prefs", pairs.path, "--workspace", workspace])
            try #require(imported.status == 0, "stderr: \(imported.error)")
            let battles = try temp.file(
                "battles.jsonl", [#"{"model_a": "a", "model_b": "b", "winner": "model_a"}"#])
            let arena = try TallyBinary.run(["arena", "import", battles.path, "--workspace", workspace])
            try #require(arena.status == 0, "stderr: \(arena.error)")
            let checkpointURL = temp.url.appendingPathComponent("tiny-checkpoint")
            try TinyCheckpoint.write(to: checkpointURL)
            checkpoint = checkpointURL.path
            corpus = try temp.file("corpus.txt", [TinyCheckpoint.corpus]).path
        }

        /// The database's SHA-256, to show a failed command changed nothing.
        func databaseDigest() throws -> SHA256.Digest {
            SHA256.hash(data: try Data(contentsOf: database))
        }
    }

    /// A command that writes the file (or, for `checkpoint export`, the folder) `out`.
    struct Writer {
        let name: String
        let arguments: (String) -> [String]
        /// Whether `out` names a folder the command creates (with any missing folders above it).
        var writesFolder = false
    }

    private func writers(_ fixture: Fixture) -> [Writer] {
        let workspace = ["--workspace", fixture.workspace]
        return [
            Writer(name: "export prefs") { ["export", "prefs", $0] + workspace },
            Writer(name: "export sft") { ["export", "sft", $0] + workspace },
            Writer(name: "export rankings") { ["export", "rankings", $0] + workspace },
            Writer(name: "export prompts") { ["export", "prompts", $0] + workspace },
            Writer(name: "arena export") { ["arena", "export", $0] + workspace },
            Writer(name: "world prompts") { ["world", "prompts", "--count", "500", "--out", $0] },
            Writer(name: "world responses") { ["world", "responses", "--count", "100", "--out", $0] },
            Writer(name: "world corpus") { ["world", "corpus", "--documents", "150", "--out", $0] },
            Writer(name: "tokenizer train") {
                ["tokenizer", "train", "--corpus", fixture.corpus, "--vocab-size", "300", "--out", $0]
            },
            Writer(
                name: "checkpoint export",
                arguments: { ["checkpoint", "export", "--checkpoint", fixture.checkpoint, "--out", $0] },
                writesFolder: true),
        ]
    }

    /// The text a user must never see: Foundation's and the system's own words, and Swift type names.
    static let forbidden = [
        "Error Domain", "NSCocoaErrorDomain", "NSPOSIXErrorDomain", "CocoaError", "POSIXError", "Error(",
        "TallyStore.", "TallyIO.", "TallyEngine.", "TallyTrain.", "Foundation.", "DatabaseError", "doesn’t exist",
        "doesn't exist", "couldn’t be", "The operation could not be completed",
    ]

    /// Checks that `result` is a clean failure: status 1, one `error:` line naming `path` and containing `words`.
    private func expectCleanFailure(
        _ result: TallyBinary.Result, _ command: String, naming path: String, saying words: String? = nil,
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        let context = "\(command): stderr \(result.error)"
        #expect(result.status == 1, "\(context)", sourceLocation: sourceLocation)
        let errorLines = result.error.split(separator: "\n").filter { $0.hasPrefix("error: ") }
        #expect(errorLines.count == 1, "\(context)", sourceLocation: sourceLocation)
        #expect(errorLines.first?.contains(path) == true, "\(context)", sourceLocation: sourceLocation)
        if let words {
            #expect(errorLines.first?.contains(words) == true, "\(context)", sourceLocation: sourceLocation)
        }
        for text in Self.forbidden {
            #expect(!result.error.contains(text), "\(context)", sourceLocation: sourceLocation)
            #expect(
                !result.output.contains(text), "\(command): stdout \(result.output)", sourceLocation: sourceLocation)
        }
    }

    /// Runs every command at once (they are independent) and returns their results in order.
    private func runAll(_ commands: [[String]], in directory: URL? = nil, launcher: [String] = []) throws
        -> [TallyBinary.Result]
    {
        try commands.map { try TallyBinary.start($0, in: directory, launcher: launcher) }.map { $0.finish() }
    }

    /// The names in `folder`, to show no temporary file was left behind.
    private func names(in folder: URL) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []).sorted()
    }

    /// How to run a command as a user who cannot write where it is told to. Root ignores permission bits, so
    /// as root the command runs as `nobody` (through setpriv); nil when neither works.
    private static let unprivileged: [String]? = {
        if geteuid() != 0 { return [] }
        let setpriv = "/usr/bin/setpriv"
        guard FileManager.default.isExecutableFile(atPath: setpriv) else { return nil }
        return [setpriv, "--reuid=65534", "--regid=65534", "--clear-groups"]
    }()

    @Test func exportingTwiceReplacesTheFile() throws {
        let fixture = try Fixture()
        let out = fixture.temp.url.appendingPathComponent("out.jsonl")
        let first = try TallyBinary.run(["export", "prefs", out.path, "--workspace", fixture.workspace])
        #expect(first.status == 0, "stderr: \(first.error)")
        try Data("stale\n".utf8).write(to: out)
        let second = try TallyBinary.run(["export", "prefs", out.path, "--workspace", fixture.workspace])
        #expect(second.status == 0, "stderr: \(second.error)")
        let lines = try String(contentsOf: out, encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 150)
        #expect(lines.first?.hasPrefix(#"{"prompt": "Q0 "#) == true)
        #expect(!names(in: fixture.temp.url).contains { $0.hasPrefix(".out.jsonl") })
    }

    @Test func writingIntoAMissingFolderNamesIt() throws {
        let fixture = try Fixture()
        let before = try fixture.databaseDigest()
        let missing = fixture.temp.url.appendingPathComponent("missing")
        let out = missing.appendingPathComponent("out.jsonl").path
        let fileWriters = writers(fixture).filter { !$0.writesFolder }
        for (writer, result) in zip(fileWriters, try runAll(fileWriters.map { $0.arguments(out) })) {
            expectCleanFailure(result, writer.name, naming: out, saying: "the folder \(missing.path) does not exist")
        }
        #expect(!FileManager.default.fileExists(atPath: missing.path))
        #expect(try fixture.databaseDigest() == before)
    }

    @Test func writingToAPathThatIsAFolderSaysSo() throws {
        let fixture = try Fixture()
        let before = try fixture.databaseDigest()
        let folder = fixture.temp.url.appendingPathComponent("a-folder")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: false)
        let fileWriters = writers(fixture).filter { !$0.writesFolder }
        for (writer, result) in zip(fileWriters, try runAll(fileWriters.map { $0.arguments(folder.path) })) {
            expectCleanFailure(result, writer.name, naming: folder.path, saying: "is a folder, not a file")
        }
        #expect(names(in: folder).isEmpty)
        let notAFolder = try fixture.temp.file("plain-file", ["text"])
        let checkpoint = try TallyBinary.run(
            [
                "checkpoint", "export", "--checkpoint", fixture.checkpoint, "--out",
                notAFolder.appendingPathComponent("ckpt").path,
            ])
        expectCleanFailure(checkpoint, "checkpoint export", naming: notAFolder.path)
        let initInFile = try TallyBinary.run(["init", notAFolder.path])
        expectCleanFailure(initInFile, "init", naming: notAFolder.path)
        #expect(try fixture.databaseDigest() == before)
    }

    /// Past the file size limit (here 32 KiB, `ulimit -f 64`) a write fails part-way, as on a full disk: the
    /// command says so, and the file an earlier run wrote is left byte for byte, with no temporary beside it.
    @Test func writingPastTheFileSizeLimitKeepsTheEarlierFile() throws {
        let fixture = try Fixture()
        let before = try fixture.databaseDigest()
        let limit = 32 * 1024
        let limited = ["/bin/sh", "-c", "ulimit -f \(limit / 512) && exec \"$@\"", "sh"]
        let large = writers(fixture).filter {
            !["export sft", "export rankings", "arena export", "tokenizer train"].contains($0.name)
        }
        var outputs: [URL] = []
        for writer in large {
            let folder = fixture.temp.url.appendingPathComponent(writer.name.replacingOccurrences(of: " ", with: "-"))
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: false)
            outputs.append(folder.appendingPathComponent(writer.writesFolder ? "checkpoint" : "out.jsonl"))
        }
        let commands = zip(large, outputs).map { $0.arguments($1.path) }
        for (writer, first) in zip(large, try runAll(commands)) {
            try #require(first.status == 0, "\(writer.name): stderr \(first.error)")
        }
        let earlier = try outputs.map(snapshot)
        for (writer, files) in zip(large, earlier) {
            #expect(files.values.reduce(0) { $0 + $1.count } > limit, "\(writer.name) writes too little")
        }

        let results = try runAll(commands, launcher: limited)
        for (index, writer) in large.enumerated() {
            let out = outputs[index]
            expectCleanFailure(results[index], writer.name, naming: out.path, saying: "file size limit")
            #expect(try snapshot(out) == earlier[index], "\(writer.name) changed the earlier file")
            let left = names(in: out.deletingLastPathComponent())
            #expect(left == [out.lastPathComponent], "\(writer.name) left \(left)")
        }
        #expect(try fixture.databaseDigest() == before)
    }

    @Test func readingAMissingInputFileNamesIt() throws {
        let fixture = try Fixture()
        let before = try fixture.databaseDigest()
        let missing = fixture.temp.url.appendingPathComponent("missing.jsonl").path
        let workspace = ["--workspace", fixture.workspace]
        let readers: [(String, [String])] = [
            ("import prefs", ["import", "prefs", missing] + workspace),
            ("import prompts", ["import", "prompts", missing] + workspace),
            ("arena import", ["arena", "import", missing] + workspace),
            ("world evaluate", ["world", "evaluate", missing]),
            ("tokenizer train", ["tokenizer", "train", "--corpus", missing, "--vocab-size", "300", "--out", "t.json"]),
            ("checkpoint import", ["checkpoint", "import", missing, "--name", "x"] + workspace),
        ]
        for ((name, _), result) in zip(readers, try runAll(readers.map(\.1), in: fixture.temp.url)) {
            expectCleanFailure(result, name, naming: missing)
        }
        #expect(try fixture.databaseDigest() == before)
    }

    @Test(.enabled(if: unprivileged != nil, "root ignores permission bits and setpriv is missing"))
    func writingIntoAReadOnlyFolderIsRefused() throws {
        let fixture = try Fixture()
        let before = try fixture.databaseDigest()
        let folder = fixture.temp.url.appendingPathComponent("read-only")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: false)
        try Data("earlier\n".utf8).write(to: folder.appendingPathComponent("out.jsonl"))
        #expect(chmod(folder.path, 0o555) == 0)
        defer { _ = chmod(folder.path, 0o755) }
        if Self.unprivileged?.isEmpty == false {
            // Run as nobody, who must still be able to use the workspace itself.
            #expect(chmod(fixture.workspace, 0o777) == 0 && chmod(fixture.database.path, 0o666) == 0)
        }
        for writer in writers(fixture) {
            let out = folder.appendingPathComponent(writer.writesFolder ? "checkpoint" : "out.jsonl").path
            let result = try TallyBinary.run(writer.arguments(out), launcher: Self.unprivileged ?? [])
            expectCleanFailure(result, writer.name, naming: writer.writesFolder ? folder.path : out)
        }
        let initHere = folder.appendingPathComponent("ws").path
        expectCleanFailure(
            try TallyBinary.run(["init", initHere], launcher: Self.unprivileged ?? []), "init", naming: initHere)
        #expect(names(in: folder) == ["out.jsonl"])
        #expect(try String(contentsOf: folder.appendingPathComponent("out.jsonl"), encoding: .utf8) == "earlier\n")
        #expect(try fixture.databaseDigest() == before)
    }

    @Test(.enabled(if: unprivileged != nil, "root ignores permission bits and setpriv is missing"))
    func changingAReadOnlyWorkspaceChangesNothing() throws {
        let fixture = try Fixture()
        let before = try fixture.databaseDigest()
        let more = try fixture.temp.file("more.jsonl", [#"{"prompt": "new", "chosen": "a", "rejected": "b"}"#])
        let battles = try fixture.temp.file(
            "more-battles.jsonl", [#"{"model_a": "c", "model_b": "d", "winner": "tie"}"#])
        #expect(chmod(fixture.database.path, 0o444) == 0)
        #expect(chmod(fixture.workspace, 0o555) == 0)
        defer {
            _ = chmod(fixture.workspace, 0o755)
            _ = chmod(fixture.database.path, 0o644)
        }
        let workspace = ["--workspace", fixture.workspace]
        let changes: [(String, [String])] = [
            ("import prefs", ["import", "prefs", more.path] + workspace),
            ("arena import", ["arena", "import", battles.path] + workspace),
        ]
        for (name, arguments) in changes {
            let result = try TallyBinary.run(arguments, launcher: Self.unprivileged ?? [])
            expectCleanFailure(result, name, naming: fixture.workspace)
        }
        // Reading may work or not, but never fails unclearly.
        let out = fixture.temp.url.appendingPathComponent("from-read-only.jsonl").path
        _ = chmod(fixture.temp.url.path, 0o777)
        let export = try TallyBinary.run(["export", "prefs", out] + workspace, launcher: Self.unprivileged ?? [])
        if export.status != 0 { expectCleanFailure(export, "export prefs", naming: fixture.workspace) }
        #expect(try fixture.databaseDigest() == before)
    }

    /// Every regular file under `url` (itself when it is a file) with its bytes.
    private func snapshot(_ url: URL) throws -> [String: Data] {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isFolder) else { return [:] }
        guard isFolder.boolValue else { return [url.lastPathComponent: try Data(contentsOf: url)] }
        var files: [String: Data] = [:]
        for name in try FileManager.default.subpathsOfDirectory(atPath: url.path) {
            let file = url.appendingPathComponent(name)
            var isSubfolder: ObjCBool = false
            if FileManager.default.fileExists(atPath: file.path, isDirectory: &isSubfolder), !isSubfolder.boolValue {
                files[name] = try Data(contentsOf: file)
            }
        }
        return files
    }
}
