import Foundation
import TallyIO
import Testing

@testable import TallyStore

@Suite struct HHTranscriptTests {
    let chosen =
        "\n\nHuman: Hi, can you help me plan a trip?\n\nAssistant: Of course. Where to?"
        + "\n\nHuman: Lisbon, for three days.\n\nAssistant: Day one: Alfama and the castle."
    let rejected =
        "\n\nHuman: Hi, can you help me plan a trip?\n\nAssistant: Of course. Where to?"
        + "\n\nHuman: Lisbon, for three days.\n\nAssistant: No."

    @Test func transcriptSplitsIntoTurns() throws {
        let turns = try HHTranscript.turns(chosen)
        #expect(
            turns == [
                Message(role: "user", content: "Hi, can you help me plan a trip?"),
                Message(role: "assistant", content: "Of course. Where to?"),
                Message(role: "user", content: "Lisbon, for three days."),
                Message(role: "assistant", content: "Day one: Alfama and the castle."),
            ])
    }

    @Test func sharedPrefixBecomesMultiTurnPromptAndLastTurnsTheResponses() throws {
        let temp = try TemporaryFolder()
        let (_, database) = try temp.workspace()
        let line = try JSONSerialization.data(withJSONObject: ["chosen": chosen, "rejected": rejected])
        let file = try temp.file("hh.jsonl", [String(decoding: line, as: UTF8.self)])
        let summary = try database.importFile(file, options: ImportOptions(kind: .prefs))
        #expect(summary.formats == ["hh": 1])
        let pair = try #require(try database.preferencePairs().first)
        #expect(
            try database.prompt(id: pair.promptID).content
                == .messages([
                    Message(role: "user", content: "Hi, can you help me plan a trip?"),
                    Message(role: "assistant", content: "Of course. Where to?"),
                    Message(role: "user", content: "Lisbon, for three days."),
                ]))
        #expect(try database.response(id: pair.chosenID).text == "Day one: Alfama and the castle.")
        #expect(try database.response(id: pair.rejectedID).text == "No.")
    }

    @Test func singleTurnTranscriptGivesTextPrompt() throws {
        let temp = try TemporaryFolder()
        let (_, database) = try temp.workspace()
        let line = try JSONSerialization.data(withJSONObject: [
            "chosen": "\n\nHuman: 2+2?\n\nAssistant: 4", "rejected": "\n\nHuman: 2+2?\n\nAssistant: 5",
        ])
        let file = try temp.file("hh.jsonl", [String(decoding: line, as: UTF8.self)])
        _ = try database.importFile(file, options: ImportOptions(kind: .prefs, preferenceFormat: .hh))
        let pair = try #require(try database.preferencePairs().first)
        #expect(try database.prompt(id: pair.promptID).content == .text("2+2?"))
    }

    @Test func differentHistoriesAreRejected() throws {
        let temp = try TemporaryFolder()
        let line = try JSONSerialization.data(withJSONObject: [
            "chosen": "\n\nHuman: A\n\nAssistant: x", "rejected": "\n\nHuman: B\n\nAssistant: y",
        ])
        let file = try temp.file("hh.jsonl", [String(decoding: line, as: UTF8.self)])
        let error = #expect(throws: LineError.self) {
            try CheckedImport.check(file, options: ImportOptions(kind: .prefs))
        }
        #expect(error?.message.contains("share no prompt") == true)
    }
}
