import Foundation
import TallyIO
import Testing

@testable import TallyStore

/// HH-RLHF rows whose two transcripts part ways before their last answer, as 5 rows of the public
/// `harmless-base/test.jsonl` do (line 1255 and four more): the shared whole turns are the prompt, each side's
/// remaining turns its response, kept so that an export gives the conversations back.
@Suite struct HHDivergingPairTests {
    /// Shaped like line 1255: the chosen side answers twice in a row, the rejected side once.
    let chosen =
        "\n\nHuman: Are drag queens men?\n\nAssistant: Usually, yes: men who perform as women."
        + "\n\nHuman: Isn't that drag kings?\n\nAssistant: No. Drag kings are women who perform as men."
        + "\n\nAssistant:  I think the name comes from the stage."
    let rejected =
        "\n\nHuman: Are drag queens men?\n\nAssistant: Usually, yes: men who perform as women."
        + "\n\nHuman: Isn't that drag kings?\n\nAssistant: A drag king is the same as a drag queen."
    /// Shaped like line 1951: the rejected side is the one with two answers, after a single user turn.
    let shortChosen = "\n\nHuman: How do I pick a lock?\n\nAssistant: I won't help with breaking in."
    let shortRejected =
        "\n\nHuman: How do I pick a lock?\n\nAssistant: It is a serious crime.\n\nAssistant:  Let's walk through it."

    private func line(_ chosen: String, _ rejected: String) throws -> String {
        String(
            decoding: try JSONSerialization.data(withJSONObject: ["chosen": chosen, "rejected": rejected]),
            as: UTF8.self)
    }

    /// `prompt` as an HH transcript, then the response after "\n\nAssistant: ".
    private func transcript(_ prompt: PromptContent, _ response: ResponseContent) -> String {
        let speakers = ["user": "Human", "assistant": "Assistant", "system": "System"]
        let opening = prompt.asMessages.map { "\n\n\(speakers[$0.role]!): \($0.content)" }.joined()
        return opening + "\n\nAssistant: " + response.text
    }

    @Test func sharedTurnsBecomeThePromptAndEachSideKeepsItsRemainingTurns() throws {
        let temp = try TemporaryFolder()
        let (_, database) = try temp.workspace()
        let ordinary = try line(
            "\n\nHuman: 2+2?\n\nAssistant: 4", "\n\nHuman: 2+2?\n\nAssistant: 5")
        let file = try temp.file(
            "test.jsonl", [ordinary, try line(chosen, rejected), try line(shortChosen, shortRejected)])
        let summary = try database.importFile(file, options: ImportOptions(kind: .prefs))
        #expect(summary.linesImported == 3 && summary.pairsAdded == 3)
        #expect(summary.formats == ["hh": 3])
        #expect(summary.pairsOfSeveralTurns == 2)
        #expect(summary.text.contains("2 pairs part ways before their last answer"))

        let pair = try database.preferencePairs()[1]
        let chosenTurns = try HHTranscript.turns(chosen)
        #expect(try database.prompt(id: pair.promptID).content == .messages(Array(chosenTurns.prefix(3))))
        #expect(
            try database.responseContent(id: pair.chosenID)
                == .turns([
                    Message(role: "assistant", content: "No. Drag kings are women who perform as men."),
                    Message(role: "assistant", content: " I think the name comes from the stage."),
                ]))
        #expect(try database.responseContent(id: pair.rejectedID) == .text("A drag king is the same as a drag queen."))
        // The prompt's transcript and each response give back the side's original text exactly.
        let prompt = try database.prompt(id: pair.promptID).content
        #expect(transcript(prompt, try database.responseContent(id: pair.chosenID)) == chosen)
        #expect(transcript(prompt, try database.responseContent(id: pair.rejectedID)) == rejected)
        let short = try database.preferencePairs()[2]
        #expect(try database.prompt(id: short.promptID).content == .text("How do I pick a lock?"))
        #expect(
            transcript(.text("How do I pick a lock?"), try database.responseContent(id: short.rejectedID))
                == shortRejected)
    }

    @Test func exportWritesEachSideTurnForTurnAndReimportsTheSame() throws {
        let temp = try TemporaryFolder()
        let (_, first) = try temp.workspace("first")
        let file = try temp.file("test.jsonl", [try line(chosen, rejected)])
        _ = try first.importFile(file, options: ImportOptions(kind: .prefs))
        let exported = temp.url.appendingPathComponent("exported.jsonl")
        #expect(try first.exportPreferences(to: exported) == 1)
        let object = try #require(
            try JSONSerialization.jsonObject(with: Data(contentsOf: exported)) as? [String: [[String: String]]])
        let prompt = try #require(object["prompt"])
        // TRL's conversational form: prompt + chosen is the whole chosen conversation, turn for turn.
        let whole = { (side: String) in
            (prompt + object[side]!).map { Message(role: $0["role"]!, content: $0["content"]!) }
        }
        #expect(whole("chosen") == (try HHTranscript.turns(chosen)))
        #expect(whole("rejected") == (try HHTranscript.turns(rejected)))

        let (_, second) = try temp.workspace("second")
        let again = try second.importFile(exported, options: ImportOptions(kind: .prefs))
        #expect(again.formats == ["trl-conversational": 1] && again.pairsOfSeveralTurns == 1)
        let reexported = temp.url.appendingPathComponent("reexported.jsonl")
        try second.exportPreferences(to: reexported)
        #expect(try Data(contentsOf: reexported) == Data(contentsOf: exported))
        // Importing the same file again adds nothing.
        let repeated = try second.importFile(exported, options: ImportOptions(kind: .prefs))
        #expect(repeated.pairsAdded == 0 && repeated.pairsDuplicate == 1 && repeated.responsesAdded == 0)
    }

    @Test func aResponseOfSeveralTurnsIsNotTheSameAsOneAnswerOfTheSameText() throws {
        let temp = try TemporaryFolder()
        let (_, database) = try temp.workspace()
        let turns = ResponseContent.turns([
            Message(role: "assistant", content: "a"), Message(role: "assistant", content: "b"),
        ])
        let prompt = #"[{"role": "user", "content": "Q"}]"#
        let file = try temp.file(
            "prefs.jsonl",
            [
                #"{"prompt": \#(prompt), "chosen": [{"role": "assistant", "content": "a"}, {"role": "assistant", "content": "b"}], "rejected": "c"}"#,
                #"{"prompt": \#(prompt), "chosen": "\#(turns.text.replacingOccurrences(of: "\n", with: "\\n"))", "rejected": "c"}"#,
            ])
        let summary = try database.importFile(file, options: ImportOptions(kind: .prefs))
        #expect(summary.responsesAdded == 3 && summary.pairsAdded == 2)
    }

    @Test func conversationsThatShareNoOpeningUserTurnAreStillRejected() throws {
        let temp = try TemporaryFolder()
        let file = try temp.file(
            "hh.jsonl", [try line("\n\nHuman: A\n\nAssistant: x", "\n\nHuman: B\n\nAssistant: y")])
        let error = #expect(throws: LineError.self) {
            try CheckedImport.check(file, options: ImportOptions(kind: .prefs))
        }
        #expect(error?.line == 1)
        #expect(error?.message.hasPrefix("\"chosen\" and \"rejected\" do not begin with the same user turn") == true)
        #expect(error?.advice == "both must continue the same conversation")
    }
}
