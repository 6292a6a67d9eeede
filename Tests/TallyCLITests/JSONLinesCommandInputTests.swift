import Foundation
import TallyStore
import Testing

@testable import tally

/// The commands that read JSON Lines files of their own (`tally rm score --jsonl`, `tally arena battle
/// --prompts FILE`) read them as every other reader does: blank lines skipped but counted, and
/// `FILE:LINE: what is wrong — what to do` for a bad line.
@Suite struct JSONLinesCommandInputTests {
    @Test func rewardScoringFilesNameTheBadLine() throws {
        let temp = try TemporaryFolder()
        let good = try temp.file(
            "scores.jsonl",
            [
                #"{"prompt": "Hi", "response": "Hello"}"#, "",
                #"{"prompt": [{"role": "user", "content": "Hi"}], "response": "Hey"}"#,
            ])
        let lines = try RewardModelCommand.Score.readLines(good.path)
        #expect(lines.map(\.0) == [1, 3])
        #expect(lines.map(\.1) == [.text("Hi"), .messages([Message(role: "user", content: "Hi")])])
        #expect(lines.map(\.2) == ["Hello", "Hey"])

        let bad = try temp.file("bad.jsonl", [#"{"prompt": "Hi", "response": "Hello"}"#, "", #"{"prompt": "Hi"}"#])
        let error = #expect(throws: (any Error).self) { try RewardModelCommand.Score.readLines(bad.path) }
        #expect(
            "\(error.map { "\($0)" } ?? "")"
                == bad.path + #":3: "response" is missing or not a string — write {"prompt": …, "response": …}"#)
    }

    @Test func arenaPromptFilesNameTheBadLine() throws {
        let temp = try TemporaryFolder()
        let database = try Workspace.create(at: temp.url.appendingPathComponent("ws")).openDatabase()
        defer { database.close() }
        let good = try temp.file("prompts.jsonl", ["What is 2 + 2?", "", #"{"prompt": "Name a colour."}"#])
        let prompts = try ArenaBattleCommand.prompts(good.path, database: database)
        #expect(prompts.map(\.content) == [.text("What is 2 + 2?"), .text("Name a colour.")])

        let bad = try temp.file("bad.jsonl", ["What is 2 + 2?", #"{"text": "no prompt"}"#])
        let error = #expect(throws: (any Error).self) { try ArenaBattleCommand.prompts(bad.path, database: database) }
        #expect("\(error.map { "\($0)" } ?? "")" == bad.path + #":2: expected {"prompt": "…"} or a line of text"#)
        let notUTF8 = temp.url.appendingPathComponent("latin1.txt")
        try Data([0x63, 0x61, 0x66, 0xE9, 0x0A]).write(to: notUTF8)
        let encoding = #expect(throws: (any Error).self) {
            try ArenaBattleCommand.prompts(notUTF8.path, database: database)
        }
        #expect(
            "\(encoding.map { "\($0)" } ?? "")"
                == notUTF8.path + ":1: the line is not valid UTF-8 — re-save the file as UTF-8")
    }
}
