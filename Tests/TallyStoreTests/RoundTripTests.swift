import Foundation
import Testing

@testable import TallyStore

@Suite struct RoundTripTests {
    @Test func standardPreferencesRoundTripByteForByte() throws {
        let temp = try TemporaryFolder()
        let lines = [
            #"{"prompt": "What is 2 + 2?", "chosen": "4", "rejected": "5"}"#,
            #"{"prompt": "What is 2 + 2?", "chosen": "4", "rejected": "Four, or maybe 5.\nNot sure."}"#,
            #"{"prompt": "Say \"hi\" in French", "chosen": "Salut ! 👋", "rejected": "Hola\tamigo"}"#,
        ]
        let original = try temp.file("prefs.jsonl", lines)
        let (_, first) = try temp.workspace("first")
        _ = try first.importFile(original, options: ImportOptions(kind: .prefs))
        let exported = temp.url.appendingPathComponent("exported.jsonl")
        #expect(try first.exportPreferences(to: exported) == 3)
        #expect(try String.lines(of: exported) == lines)

        let (_, second) = try temp.workspace("second")
        _ = try second.importFile(exported, options: ImportOptions(kind: .prefs))
        let again = temp.url.appendingPathComponent("again.jsonl")
        try second.exportPreferences(to: again)
        #expect(try Data(contentsOf: again) == Data(contentsOf: exported))
    }

    @Test func conversationalPreferencesAndPromptsRoundTrip() throws {
        let temp = try TemporaryFolder()
        let original = try temp.file(
            "prefs.jsonl",
            [
                #"{"prompt": [{"role": "system", "content": "Be kind."}, {"role": "user", "content": "Hi"}], "chosen": [{"role": "assistant", "content": "Hello!"}], "rejected": [{"role": "assistant", "content": "What."}]}"#,
                #"{"prompt": "Plain", "chosen": "yes", "rejected": "no"}"#,
            ])
        let (_, first) = try temp.workspace("first")
        _ = try first.importFile(original, options: ImportOptions(kind: .prefs))
        let prefs = temp.url.appendingPathComponent("prefs-out.jsonl")
        let prompts = temp.url.appendingPathComponent("prompts-out.jsonl")
        try first.exportPreferences(to: prefs)
        try first.exportPrompts(to: prompts)

        let (_, second) = try temp.workspace("second")
        _ = try second.importFile(prompts, options: ImportOptions(kind: .prompts))
        let promptsSummary = try second.importFile(prefs, options: ImportOptions(kind: .prefs))
        #expect(promptsSummary.promptsAdded == 0)  // every prompt came back under the same hash
        let prefsAgain = temp.url.appendingPathComponent("prefs-again.jsonl")
        let promptsAgain = temp.url.appendingPathComponent("prompts-again.jsonl")
        try second.exportPreferences(to: prefsAgain)
        try second.exportPrompts(to: promptsAgain)
        #expect(try Data(contentsOf: prefsAgain) == Data(contentsOf: prefs))
        #expect(try Data(contentsOf: promptsAgain) == Data(contentsOf: prompts))
        // Mixed prompt kinds export as conversations on every line, so `datasets` sees one schema.
        #expect(
            try String.lines(of: prefs)[1]
                == #"{"prompt": [{"role": "user", "content": "Plain"}], "chosen": [{"role": "assistant", "content": "yes"}], "rejected": [{"role": "assistant", "content": "no"}]}"#
        )
    }

    @Test func rankingsExpandIntoAllUntiedPairs() throws {
        let temp = try TemporaryFolder()
        let (_, database) = try temp.workspace()
        let prompt = try database.addPrompt(.text("Rank these"))
        let ids = try database.insertResponses(promptID: prompt, texts: ["a", "b", "c", "d"])
        let alice = try database.labeler(named: "alice")
        let task = try #require(try database.nextRankingTask(for: alice))
        // b best; a and c tied; d worst.
        try database.submitRanking(assignmentID: task.assignmentID, tiers: [[ids[1]], [ids[0], ids[2]], [ids[3]]])

        let all = try database.preferencePairs().map { [$0.chosenID, $0.rejectedID] }
        #expect(all == [[ids[1], ids[0]], [ids[1], ids[2]], [ids[1], ids[3]], [ids[0], ids[3]], [ids[2], ids[3]]])
        let best = try database.preferencePairs(PreferenceExportOptions(bestVersusRest: true))
        #expect(
            best.map { [$0.chosenID, $0.rejectedID] } == [[ids[1], ids[0]], [ids[1], ids[2]], [ids[1], ids[3]]])

        let out = temp.url.appendingPathComponent("rankings.jsonl")
        #expect(try database.exportRankings(to: out) == 1)
        let line = try #require(try String.lines(of: out).first)
        #expect(
            line.hasPrefix(
                #"{"prompt": "Rank these", "responses": ["b", "a", "c", "d"], "tiers": [[0], [1, 2], [3]], "none_acceptable": false, "labeler": "alice""#
            ))
    }

    @Test func sftExportHasBothForms() throws {
        let temp = try TemporaryFolder()
        let (_, database) = try temp.workspace()
        try database.addPrompt(.text("Say hi"))
        let bob = try database.labeler(named: "bob")
        let task = try #require(try database.nextDemonstrationTask(for: bob))
        try database.submitDemonstration(assignmentID: task.assignmentID, text: "Hi!")
        let pc = temp.url.appendingPathComponent("sft.jsonl")
        let messages = temp.url.appendingPathComponent("sft-messages.jsonl")
        try database.exportSFT(to: pc)
        try database.exportSFT(to: messages, form: .messages)
        #expect(try String.lines(of: pc) == [#"{"prompt": "Say hi", "completion": "Hi!"}"#])
        #expect(
            try String.lines(of: messages)
                == [#"{"messages": [{"role": "user", "content": "Say hi"}, {"role": "assistant", "content": "Hi!"}]}"#])
    }
}

@Suite struct TrainingDataTests {
    @Test func trainersReadTheSameExamplesTheExportsWrite() throws {
        let temp = try TemporaryFolder()
        let (_, database) = try temp.workspace()
        let file = try temp.file(
            "prefs.jsonl",
            [
                #"{"prompt": "Q1", "chosen": "good", "rejected": "bad"}"#,
                #"{"prompt": [{"role": "user", "content": "a"}, {"role": "assistant", "content": "b"}, {"role": "user", "content": "c"}], "chosen": [{"role": "assistant", "content": "yes"}], "rejected": [{"role": "assistant", "content": "no"}]}"#,
            ])
        _ = try database.importFile(file, options: ImportOptions(kind: .prefs))
        let examples = try database.preferenceExamples()
        #expect(examples.map(\.chosen) == ["good", "yes"])
        #expect(examples[0].prompt == .text("Q1"))
        #expect(examples[1].prompt.asMessages.count == 3)
        #expect(try database.prompts().count == 2)

        try database.addPrompt(.text("Write"), split: .test)
        let alice = try database.labeler(named: "alice")
        let task = try #require(try database.nextDemonstrationTask(for: alice))
        try database.submitDemonstration(assignmentID: task.assignmentID, text: "Done.", secondsSpent: 30)
        #expect(try database.sftExamples() == [SFTExample(promptID: 3, prompt: .text("Write"), completion: "Done.")])
        #expect(try database.sftExamples(filter: ExportFilter(split: .train)).isEmpty)
        #expect(try database.prompts(split: .test).map(\.id) == [3])
        #expect(try database.progress(for: alice)?.demonstrations == 1)
        #expect(try database.progress(for: alice)?.secondsSpent == 30)
    }
}
