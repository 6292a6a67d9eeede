import Foundation
import TallyIO

/// A problem with a battle log: `FILE:LINE: what is wrong` (or `FILE: what is wrong` for the whole file), as
/// every JSON Lines reader in Tally reports it.
public typealias BattleLogError = LineError

/// Battles in Chatbot Arena's JSON-lines form, one object per line:
///
///     {"model_a": "sft", "model_b": "base", "winner": "model_a", "judge": "oracle", "anony": true, "tstamp": 1717171717.5}
///
/// `model_a`, `model_b` (different, non-empty strings) and `winner` (`model_a`, `model_b`, `tie` or
/// `tie (bothbad)`) are required; `judge` (string), `anony` (true/false) and `tstamp` (seconds since 1970) are
/// optional and may be null; other fields (public logs carry conversations, languages, ids) are ignored. Lines
/// are read by ``JSONLinesReader`` (blank lines skipped). A bad line stops the read with its `FILE:LINE` and
/// nothing is returned, as Tally's other imports do.
///
/// ```swift
/// let battles = try BattleLog.read(URL(fileURLWithPath: "arena.jsonl"))
/// try BattleLog.write(battles, to: URL(fileURLWithPath: "copy.jsonl"))
/// ```
public enum BattleLog {
    /// Every battle in `text`, in order; `file` names it in errors.
    /// - Throws: ``BattleLogError`` for the first bad line.
    public static func parse(_ text: String, file: String) throws(BattleLogError) -> [Battle] {
        try parse(Data(text.utf8), file: file)
    }

    /// Every battle in `data` (UTF-8 JSON lines), in order; `file` names it in errors.
    /// - Throws: ``BattleLogError`` for the first bad line.
    public static func parse(_ data: Data, file: String) throws(BattleLogError) -> [Battle] {
        var battles: [Battle] = []
        do {
            try JSONLinesReader.forEachObject(in: [UInt8](data), name: file) { _, object in
                battles.append(try battle(object))
            }
        } catch {
            throw lineError(error, file: file)
        }
        return battles
    }

    /// Every battle in the file at `url`, in order; errors name the file by its path as given.
    /// - Throws: ``BattleLogError`` for an unreadable file or the first bad line.
    public static func read(_ url: URL) throws(BattleLogError) -> [Battle] {
        var battles: [Battle] = []
        do {
            try JSONLinesReader(url: url).forEachObject { _, object in battles.append(try battle(object)) }
        } catch {
            throw lineError(error, file: url.relativePath)
        }
        return battles
    }

    /// The reader throws only line errors; anything else is named for the file as a whole.
    private static func lineError(_ error: Error, file: String) -> BattleLogError {
        (error as? LineError) ?? LineError(file: file, line: 0, message: "could not be read")
    }

    /// One battle as a line of JSON (without the newline), fields in the order `model_a`, `model_b`,
    /// `winner`, `judge`, `anony`, `tstamp`; absent optional fields are left out.
    public static func line(_ battle: Battle) -> String {
        var fields = [
            "\"model_a\": " + JSONString.quoted(battle.modelA), "\"model_b\": " + JSONString.quoted(battle.modelB),
            "\"winner\": " + JSONString.quoted(battle.outcome.rawValue),
        ]
        if let judge = battle.judge { fields.append("\"judge\": " + JSONString.quoted(judge)) }
        if let anonymous = battle.anonymous { fields.append("\"anony\": \(anonymous)") }
        if let timestamp = battle.timestamp, timestamp.isFinite { fields.append("\"tstamp\": \(timestamp)") }
        return "{" + fields.joined(separator: ", ") + "}"
    }

    /// The battles as JSON lines, each ending in a newline.
    public static func write(_ battles: [Battle]) -> String {
        var text = ""
        for battle in battles {
            text += line(battle)
            text += "\n"
        }
        return text
    }

    /// Writes the battles as JSON lines to `url`, replacing the file atomically (``AtomicFile``).
    public static func write(_ battles: [Battle], to url: URL) throws {
        try AtomicFile.write(write(battles), to: url)
    }
}

/// One line of a battle log, checked field by field so that an error says which field is wrong and how.
extension BattleLog {
    static func battle(_ fields: [String: JSONNode]) throws -> Battle {
        let modelA = try name(fields, "model_a")
        let modelB = try name(fields, "model_b")
        guard modelA != modelB else {
            throw LineProblem("\"model_a\" and \"model_b\" are both \"\(modelA)\"; a battle needs two models")
        }
        guard let winnerText = try field(fields, "winner", expected: "a string", \.stringValue) else {
            throw LineProblem("\"winner\" is missing")
        }
        guard let winner = BattleOutcome(rawValue: winnerText) else {
            throw LineProblem(
                "\"winner\" is \"\(winnerText)\"; expected \"model_a\", \"model_b\", \"tie\" or \"tie (bothbad)\"")
        }
        let judge = try field(fields, "judge", expected: "a string", \.stringValue)
        let anonymous = try field(fields, "anony", expected: "true or false") { node -> Bool? in
            if case .bool(let value) = node { return value }
            return nil
        }
        let timestamp = try field(fields, "tstamp", expected: "a number (seconds since 1970)") { node -> Double? in
            if case .number(let value) = node { return value }
            return nil
        }
        return Battle(modelA, modelB, winner, judge: judge, anonymous: anonymous, timestamp: timestamp)
    }

    /// A required, non-empty model name.
    private static func name(_ fields: [String: JSONNode], _ key: String) throws -> String {
        guard let name = try field(fields, key, expected: "a string", \.stringValue) else {
            throw LineProblem("\"\(key)\" is missing")
        }
        guard !name.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw LineProblem("\"\(key)\" is empty; it names a model")
        }
        return name
    }

    /// An optional field (absent or null gives nil) that `value` reads, or a problem naming what it must be.
    private static func field<Value>(
        _ fields: [String: JSONNode], _ key: String, expected: String, _ value: (JSONNode) -> Value?
    ) throws -> Value? {
        guard let node = fields[key], node != .null else { return nil }
        guard let typed = value(node) else { throw LineProblem("\"\(key)\" must be \(expected)") }
        return typed
    }
}
