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

    @Test func gzipMissingFilesAndFoldersAreRefusedWithWhatToDo() throws {
        let gzip = try TemporaryFile([0x1F, 0x8B, 0x08, 0x00, 0x00], name: "test.jsonl.gz")
        let compressed = #expect(throws: LineError.self) {
            try JSONLinesReader(url: gzip.url, name: "test.jsonl.gz").forEachLine { _, _ in }
        }
        #expect(compressed?.line == 0)
        #expect(
            compressed?.description
                == "test.jsonl.gz: is gzip-compressed — decompress it first (gunzip -k test.jsonl.gz) and read "
                + "test.jsonl, or pass <(gunzip -c test.jsonl.gz)")
        let missing = #expect(throws: LineError.self) {
            try JSONLinesReader(url: gzip.folder.appendingPathComponent("nope.jsonl"), name: "nope.jsonl")
                .forEachLine { _, _ in }
        }
        #expect(missing?.description == "nope.jsonl: does not exist — check the path")
        let folder = #expect(throws: LineError.self) {
            try JSONLinesReader(url: gzip.folder, name: "data").forEachLine { _, _ in }
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
