import Foundation
import Testing

@testable import TallyArena

/// Chatbot Arena's JSON-lines battle form: reading, its errors, and writing.
@Suite struct BattleLogTests {
    /// The error `text` gives, as printed.
    private func error(_ text: String) -> String? {
        do {
            _ = try BattleLog.parse(text, file: "votes.jsonl")
            return nil
        } catch {
            return error.description
        }
    }

    @Test func readsEveryFieldAndIgnoresOthers() throws {
        let text = """
            {"model_a": "sft", "model_b": "base", "winner": "model_a", "judge": "oracle", "anony": true, "tstamp": 1717171717.5}

            {"question_id": "q1", "model_a": "base", "model_b": "sft", "winner": "tie (bothbad)", "conversation_a": [{"role": "user"}], "language": "English"}\r
            {"model_a": "rm", "model_b": "sft", "winner": "tie", "judge": null, "anony": false}
            """
        let battles = try BattleLog.parse(text, file: "votes.jsonl")
        #expect(
            battles == [
                Battle("sft", "base", .modelA, judge: "oracle", anonymous: true, timestamp: 1_717_171_717.5),
                Battle("base", "sft", .bothBad),
                Battle("rm", "sft", .tie, anonymous: false),
            ])
    }

    @Test func badLinesNameTheFileTheLineAndTheProblem() {
        let good = #"{"model_a": "a", "model_b": "b", "winner": "model_b"}"#
        #expect(error(good + "\n" + #"{"model_a": "a", "winner": "tie"}"#) == #"votes.jsonl:2: "model_b" is missing"#)
        #expect(
            error(#"{"model_a": "a", "model_b": "b", "winner": "a"}"#)
                == #"votes.jsonl:1: "winner" is "a"; expected "model_a", "model_b", "tie" or "tie (bothbad)""#)
        #expect(error(#"{"model_a": "a", "model_b": "b"}"#) == #"votes.jsonl:1: "winner" is missing"#)
        #expect(
            error(#"{"model_a": "a", "model_b": "a", "winner": "tie"}"#)
                == #"votes.jsonl:1: "model_a" and "model_b" are both "a"; a battle needs two models"#)
        #expect(
            error(#"{"model_a": " ", "model_b": "a", "winner": "tie"}"#)
                == #"votes.jsonl:1: "model_a" is empty; it names a model"#)
        #expect(
            error(#"{"model_a": 3, "model_b": "a", "winner": "tie"}"#) == #"votes.jsonl:1: "model_a" must be a string"#)
        #expect(
            error(#"{"model_a": "a", "model_b": "b", "winner": "tie", "anony": 1}"#)
                == #"votes.jsonl:1: "anony" must be true or false"#)
        #expect(
            error(#"{"model_a": "a", "model_b": "b", "winner": "tie", "tstamp": "noon"}"#)
                == #"votes.jsonl:1: "tstamp" must be a number (seconds since 1970)"#)
        #expect(
            error(#"{"model_a": "a", "model_b": "b", "winner": "tie", "judge": 7}"#)
                == #"votes.jsonl:1: "judge" must be a string"#)
        #expect(error("[1, 2]") == "votes.jsonl:1: expected a JSON object")
        #expect(error(good + "\n\n" + #"{"model_a": "a","#)?.hasPrefix("votes.jsonl:3: not valid JSON") == true)
    }

    @Test func blankInputHasNoBattles() throws {
        #expect(try BattleLog.parse("", file: "f").isEmpty)
        #expect(try BattleLog.parse("\n  \n\t\n", file: "f").isEmpty)
        #expect(
            try BattleLog.parse("\u{FEFF}" + #"{"model_a": "a", "model_b": "b", "winner": "tie"}"#, file: "f").count
                == 1)
    }

    @Test func writtenBattlesReadBackTheSame() throws {
        let battles = [
            Battle("sft", "base", .modelA, judge: "oracle", anonymous: true, timestamp: 1_717_171_717.123456),
            Battle(
                "base", "sft \"quoted\" \\ back", .modelB, judge: "rm:rm\nnew line", anonymous: false, timestamp: 0.1),
            Battle("ünï", "b\u{1}", .tie),
            Battle("a", "b", .bothBad, timestamp: 1e-7),
        ]
        let text = BattleLog.write(battles)
        #expect(text.hasSuffix("\n") && text.split(separator: "\n").count == 4)
        #expect(
            text.hasPrefix(
                #"{"model_a": "sft", "model_b": "base", "winner": "model_a", "judge": "oracle", "anony": true, "tstamp": 1717171717.123456}"#
            ))
        #expect(try BattleLog.parse(text, file: "copy.jsonl") == battles)
        // Every line is JSON that any reader understands.
        for line in text.split(separator: "\n") {
            #expect((try? JSONSerialization.jsonObject(with: Data(line.utf8))) is [String: Any])
        }
    }

    @Test func filesRoundTripAndMissingFilesSayWhich() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("tally-arena-log-\(UUID())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("battles.jsonl")
        let battles = SyntheticBattles.draw(models: ["a", "b", "c"], ratings: [1000, 1000, 1000], count: 50, seed: 1)
        try BattleLog.write(battles, to: file)
        #expect(try BattleLog.read(file) == battles)
        let missing = folder.appendingPathComponent("nope.jsonl")
        #expect(
            throws: BattleLogError(
                file: missing.path, line: 0, message: "cannot be read: it does not exist; check the path")
        ) {
            try BattleLog.read(missing)
        }
    }
}
