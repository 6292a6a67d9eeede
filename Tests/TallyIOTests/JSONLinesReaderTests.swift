import Foundation
import Testing

@testable import TallyIO

/// JSON Lines reading: line numbers, what is skipped, and `FILE:LINE: what is wrong — what to do` errors.
@Suite struct JSONLinesReaderTests {
    /// A file holding `bytes` in a fresh temporary folder, removed with the folder when the test ends.
    private final class TemporaryFile {
        let folder: URL
        let url: URL
        init(_ bytes: [UInt8], name: String = "data.jsonl") throws {
            folder = FileManager.default.temporaryDirectory.appendingPathComponent("tally-io-\(UUID())")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            url = folder.appendingPathComponent(name)
            try Data(bytes).write(to: url)
        }
        deinit { try? FileManager.default.removeItem(at: folder) }
    }

    /// The error reading `text` as objects gives, as printed.
    private func error(_ bytes: [UInt8]) throws -> String? {
        let file = try TemporaryFile(bytes)
        do {
            try JSONLinesReader(url: file.url, name: "data.jsonl").forEachObject { _, _ in }
            return nil
        } catch let error as LineError {
            return error.description
        }
    }

    @Test func numbersLinesCountingBlankOnesAndSkipsBOMAndCarriageReturns() throws {
        let text = "\u{FEFF}{\"n\": 1}\r\n\n  \t\n{\"n\": 2}\n{\"n\": 3}"
        let file = try TemporaryFile(Array(text.utf8))
        var seen: [(Int, Double)] = []
        try JSONLinesReader(url: file.url).forEachObject { line, object in
            if case .number(let value)? = object["n"] { seen.append((line, value)) }
        }
        #expect(seen.map(\.0) == [1, 4, 5])
        #expect(seen.map(\.1) == [1, 2, 3])
        var inMemory: [Int] = []
        try JSONLinesReader.forEachObject(in: Array(text.utf8), name: "memory") { line, _ in inMemory.append(line) }
        #expect(inMemory == [1, 4, 5])
    }

    @Test func badJSONNamesFileLineAndColumnAndWhatToDo() throws {
        let message = try error(Array("{\"a\": 1}\n\n{\"a\": }\n".utf8))
        #expect(
            message
                == "data.jsonl:3: not valid JSON (unexpected character '}' at column 7) — each line must hold one "
                + "complete JSON value")
    }

    @Test func invalidUTF8NamesTheLineAndSaysToReSave() throws {
        let message = try error(Array("{\"a\": 1}\n".utf8) + [0x7B, 0x22, 0xFF, 0x22, 0x3A, 0x31, 0x7D, 0x0A])
        #expect(message == "data.jsonl:2: the line is not valid UTF-8 — re-save the file as UTF-8")
    }

    @Test func aLineThatIsNotAnObjectIsALineError() throws {
        #expect(try error(Array("[1, 2]\n".utf8)) == "data.jsonl:1: expected a JSON object ({…}) on this line")
    }

    @Test func problemsTheCallerFindsGetTheFileAndLine() throws {
        let file = try TemporaryFile(Array("{\"chosen\": \"a\"}\n{}\n".utf8))
        let error = #expect(throws: LineError.self) {
            try JSONLinesReader(url: file.url, name: "prefs.jsonl").forEachObject { _, object in
                guard object["chosen"] != nil else {
                    throw LineProblem("\"chosen\" is missing", advice: "add the preferred answer")
                }
            }
        }
        #expect(error?.description == "prefs.jsonl:2: \"chosen\" is missing — add the preferred answer")
    }

    /// `{"n": 1}\n{"n": 2}\n` and `{"n": 3}\n` as two gzip members, one after the other (Python's gzip, mtime 0).
    private static let twoMembers: [UInt8] = [
        31, 139, 8, 0, 0, 0, 0, 0, 2, 255, 171, 86, 202, 83, 178, 82, 48, 172, 229, 170, 6, 51, 140, 106, 185, 0, 29,
        37, 124, 185, 18, 0, 0, 0, 31, 139, 8, 0, 0, 0, 0, 0, 2, 255, 171, 86, 202, 83, 178, 82, 48, 174, 229, 2, 0,
        125, 5, 139, 169, 9, 0, 0, 0,
    ]

    @Test func aGzipFileIsReadAsItsLinesWhateverItsName() throws {
        let file = try TemporaryFile(Self.twoMembers, name: "test.jsonl")
        var seen: [Int] = []
        try JSONLinesReader(url: file.url).forEachObject { line, object in
            if case .number(let value)? = object["n"] { seen.append(line * 10 + Int(value)) }
        }
        #expect(seen == [11, 22, 33])
    }

    @Test func theInflaterGivesTheSameBytesWhateverThePieceAndBufferSizes() throws {
        let inflater = try GzipInflater(outputBufferSize: 5)
        var output: [UInt8] = []
        for byte in Self.twoMembers { output += try inflater.inflate(Data([byte])) }
        try inflater.finish()
        #expect(String(decoding: output, as: UTF8.self) == "{\"n\": 1}\n{\"n\": 2}\n{\"n\": 3}\n")
    }

    @Test func aCutShortOrDamagedGzipFileIsNamedWithWhatToDo() throws {
        let cut = try TemporaryFile(Array(Self.twoMembers[0..<20]), name: "test.jsonl.gz")
        let truncated = #expect(throws: LineError.self) {
            try JSONLinesReader(url: cut.url, name: "test.jsonl.gz").forEachLine { _, _ in }
        }
        #expect(
            truncated?.description
                == "test.jsonl.gz: ends in the middle of its gzip data (the file is cut short) — download or copy it "
                + "again (gzip -t test.jsonl.gz checks a file)")
        var bytes = Self.twoMembers
        bytes[2] = 7  // not deflate
        let bad = try TemporaryFile(bytes, name: "bad.jsonl.gz")
        let damaged = #expect(throws: LineError.self) {
            try JSONLinesReader(url: bad.url, name: "bad.jsonl.gz").forEachLine { _, _ in }
        }
        #expect(damaged?.description.hasPrefix("bad.jsonl.gz: is not valid gzip data (") == true)
    }

    @Test func missingFilesAndFoldersAreRefusedWithWhatToDo() throws {
        let file = try TemporaryFile([], name: "empty.jsonl")
        let missing = #expect(throws: LineError.self) {
            try JSONLinesReader(url: file.folder.appendingPathComponent("nope.jsonl"), name: "nope.jsonl")
                .forEachLine { _, _ in }
        }
        #expect(missing?.description == "nope.jsonl: does not exist — check the path")
        let folder = #expect(throws: LineError.self) {
            try JSONLinesReader(url: file.folder, name: "data").forEachLine { _, _ in }
        }
        #expect(folder?.description == "data: is a folder, not a file — give the path of a .jsonl file")
    }

    @Test func blocksSplitOnlyBetweenLines() {
        let text = Array("{\"a\": 1}\n{\"b\": 22}\n{\"c\": 333}\n".utf8)
        text.withUnsafeBufferPointer { block in
            let pieces = JSONLinesReader.split(block, into: 2)
            #expect(pieces.count == 2)
            #expect(pieces.allSatisfy { $0.bytes.last == 0x0A })
            #expect(pieces.map(\.lineOffset) == [0, 2] || pieces.map(\.lineOffset) == [0, 1])
            #expect(pieces.reduce(0) { $0 + $1.bytes.count } == text.count)
        }
    }
}
