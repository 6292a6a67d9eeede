import Foundation
import GRDB
import TallyIO
import Testing

@testable import TallyStore

@Suite struct ImportTests {
    @Test func promptsInEveryLineFormatAreImportedAndQueued() throws {
        let temp = try TemporaryFolder()
        let (_, database) = try temp.workspace()
        let file = try temp.file(
            "prompts.jsonl",
            [
                "What is 2 + 2?",
                #"{"prompt": "Name a colour.", "split": "eval"}"#,
                #"{"messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi"}]}"#,
                #"{"prompt": [{"role": "user", "content": "Only one turn"}]}"#,
                #""A JSON string"  "#,
                "",
            ])
        let summary = try database.importFile(file, options: ImportOptions(kind: .prompts))
        #expect(summary.linesRead == 5)
        #expect(summary.promptsAdded == 5)
        #expect(summary.tasksAdded == 5)
        let status = try database.status()
        #expect(status.prompts["eval"] == 1)
        #expect(status.openTasks["demonstration"] == 5)
        #expect(
            try database.prompt(id: 3).content
                == .messages([
                    Message(role: "system", content: "Be brief."), Message(role: "user", content: "Hi"),
                ]))
        // A conversation of a single user turn is the same prompt as its text.
        #expect(try database.prompt(id: 4).content == .text("Only one turn"))
        #expect(try database.prompt(id: 5).content == .text("A JSON string"))
    }

    @Test func duplicatePromptsAreMergedByNormalizedHashAndCounted() throws {
        let temp = try TemporaryFolder()
        let (_, database) = try temp.workspace()
        let first = try temp.file("a.jsonl", ["What is 2 + 2?", "Name a colour."])
        let second = try temp.file(
            "b.jsonl",
            [
                "  What is   2 + 2? ", #"{"messages": [{"role": "user", "content": "Name a\ncolour."}]}"#, "New one",
            ])
        _ = try database.importFile(first, options: ImportOptions(kind: .prompts))
        let summary = try database.importFile(second, options: ImportOptions(kind: .prompts))
        #expect(summary.promptsAdded == 1)
        #expect(summary.promptsMerged == 2)
        #expect(summary.tasksAdded == 1)
        #expect(try database.status().prompts["train"] == 3)
    }

    @Test func trlStandardConversationalAndImplicitPairsAreRead() throws {
        let temp = try TemporaryFolder()
        let (_, database) = try temp.workspace()
        let file = try temp.file(
            "prefs.jsonl",
            [
                #"{"prompt": "The sky is", "chosen": " blue.", "rejected": " green."}"#,
                #"{"chosen": "The sea is wet.", "rejected": "The sea is dry."}"#,
                #"{"prompt": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello!"}, {"role": "user", "content": "2+2?"}], "chosen": [{"role": "assistant", "content": "4"}], "rejected": [{"role": "assistant", "content": "5"}]}"#,
                #"{"chosen": [{"role": "user", "content": "3+3?"}, {"role": "assistant", "content": "6"}], "rejected": [{"role": "user", "content": "3+3?"}, {"role": "assistant", "content": "7"}]}"#,
            ])
        let summary = try database.importFile(file, options: ImportOptions(kind: .prefs))
        #expect(summary.pairsAdded == 4)
        #expect(summary.formats == ["trl-standard": 1, "trl-implicit": 2, "trl-conversational": 1])
        let pairs = try database.preferencePairs()
        #expect(pairs.count == 4)
        #expect(try database.prompt(id: pairs[1].promptID).content == .text("The sea is"))
        #expect(try database.response(id: pairs[1].chosenID).text == " wet.")
        #expect(try database.response(id: pairs[1].rejectedID).text == " dry.")
        #expect(try database.prompt(id: pairs[3].promptID).content == .text("3+3?"))
        #expect(try database.response(id: pairs[3].chosenID).text == "6")
        if case .messages(let turns) = try database.prompt(id: pairs[2].promptID).content {
            #expect(turns.map(\.role) == ["user", "assistant", "user"])
        } else {
            Issue.record("a multi-turn prompt must stay a conversation")
        }
    }

    @Test func reimportingTheSamePairsAddsNothing() throws {
        let temp = try TemporaryFolder()
        let (_, database) = try temp.workspace()
        let file = try temp.file(
            "prefs.jsonl",
            [
                #"{"prompt": "Q", "chosen": "good", "rejected": "bad"}"#,
                #"{"prompt": "Q", "chosen": "good", "rejected": "worse"}"#,
            ])
        let first = try database.importFile(file, options: ImportOptions(kind: .prefs))
        #expect(first.promptsAdded == 1 && first.promptsMerged == 1)
        #expect(first.responsesAdded == 3 && first.responsesMerged == 1)
        let second = try database.importFile(file, options: ImportOptions(kind: .prefs))
        #expect(second.pairsAdded == 0 && second.pairsDuplicate == 2)
        #expect(try database.status().comparisons == 2)
    }

    @Test func malformedLineFailsWholeImportNamingFileAndLine() throws {
        let temp = try TemporaryFolder()
        let file = try temp.file(
            "prefs.jsonl",
            [
                #"{"prompt": "Q", "chosen": "good", "rejected": "bad"}"#,
                #"{"prompt": "Q", "rejected": "bad"}"#,
                #"{"prompt": "Q2", "chosen": "good", "rejected": "bad"}"#,
            ])
        let (_, database) = try temp.workspace()
        let error = #expect(throws: LineError.self) {
            try database.importFile(file, options: ImportOptions(kind: .prefs))
        }
        #expect(error?.line == 2)
        #expect(error?.description.hasSuffix("prefs.jsonl:2: \"chosen\" is missing") == true)
        #expect(try database.status().prompts["train"] == 0)
        #expect(try database.status().responses == 0)
    }

    @Test func errorsSayWhatIsWrong() throws {
        let temp = try TemporaryFolder()
        func problem(_ line: String, _ kind: ImportKind) throws -> String? {
            let file = try temp.file("f.jsonl", [line])
            do {
                _ = try CheckedImport.check(file, options: ImportOptions(kind: kind))
                return nil
            } catch let error as LineError {
                return error.message
            }
        }
        #expect(try problem(#"{"prompt": "Q", "chosen": "a"}"#, .prefs) == "\"rejected\" is missing")
        #expect(try problem(#"{"prompt": "Q", "chosen": "a", "rejected": "a"}"#, .prefs)?.contains("same") == true)
        #expect(try problem(#"{"prompt": 3}"#, .prompts)?.contains("\"prompt\" must be") == true)
        #expect(try problem(#"{"prompt": "Q", "chosen": "a""#, .prefs)?.hasPrefix("not valid JSON") == true)
        #expect(try problem(#"{"messages": [{"role": "robot", "content": "x"}]}"#, .prompts)?.contains("robot") == true)
        #expect(try problem(#"{"prompt": "Q", "responses": ["only one"]}"#, .responses)?.contains("2 to 9") == true)
        #expect(try problem(#"{"prompt": "Q", "split": "dev"}"#, .prompts)?.contains("split") == true)
    }

    @Test func aFolderAMissingOrAnEmptyFileIsNamedWithWhatToDo() throws {
        let temp = try TemporaryFolder()
        let folder = #expect(throws: LineError.self) {
            try CheckedImport.check(temp.url, displayName: "data", options: ImportOptions(kind: .prefs))
        }
        #expect(folder?.description == "data: is a folder, not a file — give the path of a .jsonl file")
        let missing = #expect(throws: LineError.self) {
            try CheckedImport.check(
                temp.url.appendingPathComponent("nope.jsonl"), displayName: "nope.jsonl",
                options: ImportOptions(kind: .prefs))
        }
        #expect(missing?.description == "nope.jsonl: does not exist — check the path")
        let blank = try temp.file("blank.jsonl", ["", "  "])
        let empty = #expect(throws: LineError.self) {
            try CheckedImport.check(blank, displayName: "blank.jsonl", options: ImportOptions(kind: .prefs))
        }
        #expect(
            empty?.description
                == "blank.jsonl: has no lines to import — check that it is the file you meant (blank lines are skipped)"
        )
    }

    @Test func invalidUTF8IsALineError() throws {
        let temp = try TemporaryFolder()
        let file = temp.url.appendingPathComponent("bad.jsonl")
        var bytes = Array("fine\n".utf8)
        bytes += [0x62, 0xFF, 0x61, 0x0A]
        try Data(bytes).write(to: file)
        let error = #expect(throws: LineError.self) {
            try CheckedImport.check(file, options: ImportOptions(kind: .prompts))
        }
        #expect(error?.line == 2)
        #expect(error?.message.contains("UTF-8") == true)
    }

    @Test func skipBadImportsGoodLinesAndListsBadOnes() throws {
        let temp = try TemporaryFolder()
        let (_, database) = try temp.workspace()
        let file = try temp.file(
            "prefs.jsonl",
            [
                #"{"prompt": "Q1", "chosen": "a", "rejected": "b"}"#,
                #"not json"#,
                #"{"prompt": "Q2", "chosen": "a", "rejected": "b"}"#,
                #"{"prompt": "Q3", "chosen": "a"}"#,
            ])
        let summary = try database.importFile(file, options: ImportOptions(kind: .prefs, skipBadLines: true))
        #expect(summary.linesRead == 4)
        #expect(summary.linesImported == 2)
        #expect(summary.badLines.count == 2)
        #expect(summary.badLines[0].contains("prefs.jsonl:2:"))
        #expect(summary.badLines[1].contains("prefs.jsonl:4: \"rejected\" is missing"))
        #expect(try database.status().comparisons == 2)
    }

    @Test func responsesGoToTheRankingQueueOnce() throws {
        let temp = try TemporaryFolder()
        let (_, database) = try temp.workspace()
        let file = try temp.file(
            "responses.jsonl",
            [
                #"{"prompt": "Q1", "responses": ["a", "b", "c"]}"#,
                #"{"messages": [{"role": "user", "content": "Q2"}], "responses": ["x", "y"]}"#,
            ])
        let summary = try database.importFile(file, options: ImportOptions(kind: .responses))
        #expect(summary.tasksAdded == 2)
        #expect(summary.responsesAdded == 5)
        let again = try database.importFile(file, options: ImportOptions(kind: .responses))
        #expect(again.tasksAdded == 0)
        let alice = try database.labeler(named: "alice")
        #expect(try database.queueCounts(for: alice).rankings == 2)
        let task = try #require(try database.nextRankingTask(for: alice))
        #expect(task.responses.map(\.text).sorted() == ["a", "b", "c"])
    }

    @Test func byteOrderMarkIsIgnored() throws {
        let temp = try TemporaryFolder()
        let file = temp.url.appendingPathComponent("bom.jsonl")
        try Data([0xEF, 0xBB, 0xBF] + Array(#"{"prompt": "Hi"}"#.utf8)).write(to: file)
        let (_, database) = try temp.workspace()
        _ = try database.importFile(file, options: ImportOptions(kind: .prompts))
        #expect(try database.prompt(id: 1).content == .text("Hi"))
    }

    @Test func lineReaderHandlesChunkBoundariesAndCRLF() throws {
        let temp = try TemporaryFolder()
        let long = String(repeating: "x", count: JSONLinesReader.chunkSize + 17)
        let file = temp.url.appendingPathComponent("lines.txt")
        try Data("first\r\n\(long)\n\n  \nlast".utf8).write(to: file)
        var lines: [(Int, Int)] = []
        try JSONLinesReader(url: file).forEachBlock { firstLine, block in
            try JSONLinesReader.forEachLine(in: block, firstLine: firstLine) { number, bytes in
                lines.append((number, bytes.count))
            }
        }
        #expect(lines.map(\.0) == [1, 2, 5])
        #expect(lines.map(\.1) == [5, long.utf8.count, 4])
    }
}

@Suite struct LargeImportTests {
    /// Files bigger than one read block are parsed in pieces on several threads; errors must still name
    /// the right line, and records keep file order.
    @Test func badLineDeepInABigFileIsReportedByItsNumber() throws {
        let temp = try TemporaryFolder()
        var lines: [String] = []
        let filler = String(repeating: "x", count: 200)
        for index in 1...30_000 {
            lines.append(
                index == 25_001
                    ? #"{"prompt": "Q\#(index)", "chosen": "a"}"#
                    : #"{"prompt": "Q\#(index) \#(filler)", "chosen": "a", "rejected": "b"}"#)
        }
        let file = try temp.file("big.jsonl", lines)
        let error = #expect(throws: LineError.self) {
            try CheckedImport.check(file, options: ImportOptions(kind: .prefs))
        }
        #expect(error?.line == 25_001)
        let skipping = try CheckedImport.check(file, options: ImportOptions(kind: .prefs, skipBadLines: true))
        #expect(skipping.lineCount == 30_000)
        let (_, database) = try temp.workspace()
        let summary = try database.write(skipping)
        #expect(summary.badLines == ["\(file.relativePath):25001: \"rejected\" is missing"])
        #expect(summary.pairsAdded == 29_999)
        let pairs = try database.preferencePairs()
        #expect(try database.prompt(id: pairs[25_000].promptID).content == .text("Q25002 \(filler)"))
    }

    /// A file that turns bad between checking and writing: the bad line is found after earlier blocks
    /// were written in the same transaction, and rolling back leaves none of them.
    @Test func fileChangedAfterCheckingRollsBackWhatItWrote() throws {
        let temp = try TemporaryFolder()
        let (_, database) = try temp.workspace()
        let first = try temp.file("first.jsonl", [#"{"prompt": "Q0", "chosen": "a", "rejected": "b"}"#])
        _ = try database.importFile(first, options: ImportOptions(kind: .prefs))

        let filler = String(repeating: "y", count: 300)
        func lines(badAt bad: Int?) -> [String] {
            (1...40_000).map { index in
                index == bad
                    ? #"{"prompt": "Q\#(index)", "chosen": "a", "rejected": "a"}"#
                    : #"{"prompt": "Q\#(index) \#(filler)", "chosen": "a", "rejected": "b"}"#
            }
        }
        let big = try temp.file("big.jsonl", lines(badAt: nil))
        let checked = try CheckedImport.check(big, options: ImportOptions(kind: .prefs))
        #expect(checked.lineCount == 40_000)
        _ = try temp.file("big.jsonl", lines(badAt: 36_000))
        var written: Int64 = 0
        let error = #expect(throws: LineError.self) { try database.write(checked) { bytes, _ in written = bytes } }
        #expect(error?.line == 36_000)
        #expect(written > 0, "blocks before the bad one were written, then rolled back")
        #expect(try database.status().pairs == 1)
        #expect(try database.status().responses == 2)
    }
}

@Suite struct JSONParserTests {
    func parse(_ text: String) throws -> JSONNode {
        var text = text
        return try text.withUTF8 { try JSONParser.parse($0) }
    }

    @Test func escapesAndSurrogatePairsDecode() throws {
        let value = try parse(
            #"{"a": "line\nbreak \"q\" \\ \/ \u00e9 \ud83d\ude00 tab\t", "n": -1.5e3, "b": [true, false, null]}"#)
        let object = try #require(value.objectValue)
        #expect(object["a"]?.stringValue == "line\nbreak \"q\" \\ / é 😀 tab\t")
        if case .number(let number)? = object["n"] { #expect(number == -1500) } else { Issue.record("n") }
        #expect(object["b"]?.arrayValue?.count == 3)
    }

    @Test func invalidJSONIsRejectedWithAColumn() throws {
        for bad in [
            #"{"a": }"#, #"{"a": "x""#, #"{"a": "x"} trailing"#, #"{"a": 01}"#, #"{'a': 1}"#,
            #"{"a": "\ud83d"}"#, "{\"a\": \"raw\ttab\"}", #"[1, 2"#, #"{"a" 1}"#,
        ] {
            #expect(throws: JSONParser.Failure.self, "\(bad)") { try parse(bad) }
        }
        let failure = #expect(throws: JSONParser.Failure.self) { try parse(#"{"a": ?}"#) }
        #expect(failure?.column == 7)
    }
}

@Suite struct PipeImportTests {
    /// `tally import prefs <(zcat prefs.jsonl.gz)` hands Tally a pipe, which can be read only once: it is
    /// copied to a temporary file for the check and the write, and the copy is removed afterwards.
    @Test func aPipeIsImportedThroughATemporaryCopy() throws {
        let temp = try TemporaryFolder()
        let fifo = temp.url.appendingPathComponent("prefs.fifo")
        #expect(mkfifo(fifo.path, 0o600) == 0)
        let lines = (1...3).map { #"{"prompt": "Q\#($0)", "chosen": "a", "rejected": "b"}"# + "\n" }.joined()
        let writer = Thread {
            if let handle = FileHandle(forWritingAtPath: fifo.path) {
                handle.write(Data(lines.utf8))
                try? handle.close()
            }
        }
        writer.start()
        let (_, database) = try temp.workspace()
        let copy: URL
        do {
            let checked = try CheckedImport.check(fifo, options: ImportOptions(kind: .prefs))
            #expect(checked.lineCount == 3)
            copy = checked.url
            #expect(copy != fifo)
            #expect(FileManager.default.fileExists(atPath: copy.path))
            let summary = try database.write(checked)
            #expect(summary.pairsAdded == 3)
            #expect(summary.file.hasSuffix("prefs.fifo"))
        }
        #expect(!FileManager.default.fileExists(atPath: copy.path), "the copy goes with the checked import")
    }
}
