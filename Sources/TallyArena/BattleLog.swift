import Foundation
import TallyIO

/// A problem with a battle log: `FILE:LINE: what is wrong` (or `FILE: what is wrong` for the whole file).
public struct BattleLogError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The file as the user named it.
    public var file: String
    /// The 1-based line, or 0 for a problem with the whole file.
    public var line: Int
    /// What is wrong.
    public var message: String

    /// An error on `line` of `file`.
    public init(file: String, line: Int, message: String) {
        self.file = file
        self.line = line
        self.message = message
    }

    /// `FILE:LINE: message`, or `FILE: message` for the whole file.
    public var description: String { line > 0 ? "\(file):\(line): \(message)" : "\(file): \(message)" }
}

/// Battles in Chatbot Arena's JSON-lines form, one object per line:
///
///     {"model_a": "sft", "model_b": "base", "winner": "model_a", "judge": "oracle", "anony": true, "tstamp": 1717171717.5}
///
/// `model_a`, `model_b` (different, non-empty strings) and `winner` (`model_a`, `model_b`, `tie` or
/// `tie (bothbad)`) are required; `judge` (string), `anony` (true/false) and `tstamp` (seconds since 1970) are
/// optional and may be null; other fields (public logs carry conversations, languages, ids) are ignored. Blank
/// lines are skipped. A bad line stops the read with its `FILE:LINE` and nothing is returned, as Tally's other
/// imports do.
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
        let decoder = JSONDecoder()
        let bytes = [UInt8](data)
        var start = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0  // a byte order mark is not part of line 1
        var lineNumber = 0
        while start < bytes.count {
            lineNumber += 1
            var end = bytes[start...].firstIndex(of: 0x0A) ?? bytes.count
            let next = end + 1
            if end > start && bytes[end - 1] == 0x0D { end -= 1 }
            defer { start = next }
            if bytes[start..<end].allSatisfy({ $0 == 0x20 || $0 == 0x09 }) { continue }
            do {
                battles.append(try decoder.decode(LogLine.self, from: Data(bytes[start..<end])).battle)
            } catch let problem as LogLine.Problem {
                throw BattleLogError(file: file, line: lineNumber, message: problem.message)
            } catch {
                throw BattleLogError(file: file, line: lineNumber, message: LogLine.describe(error))
            }
        }
        return battles
    }

    /// Every battle in the file at `url`, in order; errors name the file by its path.
    /// - Throws: ``BattleLogError`` for an unreadable file or the first bad line.
    public static func read(_ url: URL) throws(BattleLogError) -> [Battle] {
        let data: Data
        do {
            data = try DurableFile.read(url)
        } catch {
            let reason = FileError(path: url.path, action: .read, underlying: error)
            throw BattleLogError(file: url.path, line: 0, message: "\(reason.problem); \(reason.advice)")
        }
        return try parse(data, file: url.path)
    }

    /// One battle as a line of JSON (without the newline), fields in the order `model_a`, `model_b`,
    /// `winner`, `judge`, `anony`, `tstamp`; absent optional fields are left out.
    public static func line(_ battle: Battle) -> String {
        var fields = [
            "\"model_a\": " + quoted(battle.modelA), "\"model_b\": " + quoted(battle.modelB),
            "\"winner\": " + quoted(battle.outcome.rawValue),
        ]
        if let judge = battle.judge { fields.append("\"judge\": " + quoted(judge)) }
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

    /// `text` as a JSON string literal.
    static func quoted(_ text: String) -> String {
        var result = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": result += "\\\""
            case "\\": result += "\\\\"
            case "\n": result += "\\n"
            case "\r": result += "\\r"
            case "\t": result += "\\t"
            case _ where scalar.value < 0x20:
                result += String(format: "\\u%04x", scalar.value)
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result + "\""
    }
}

/// One line of a battle log, checked field by field so that an error says which field is wrong and how.
private struct LogLine: Decodable {
    var battle: Battle

    struct Problem: Error {
        var message: String
    }

    enum Key: String, CodingKey {
        case modelA = "model_a"
        case modelB = "model_b"
        case winner, judge, anony, tstamp
    }

    init(from decoder: Decoder) throws {
        let fields: KeyedDecodingContainer<Key>
        do {
            fields = try decoder.container(keyedBy: Key.self)
        } catch {
            throw Problem(message: "expected a JSON object")
        }
        let modelA = try Self.name(fields, .modelA)
        let modelB = try Self.name(fields, .modelB)
        guard modelA != modelB else {
            throw Problem(message: "\"model_a\" and \"model_b\" are both \"\(modelA)\"; a battle needs two models")
        }
        let winnerText = try Self.field(String.self, fields, .winner, expected: "a string")
        guard let winnerText else { throw Problem(message: "\"winner\" is missing") }
        guard let winner = BattleOutcome(rawValue: winnerText) else {
            throw Problem(
                message: "\"winner\" is \"\(winnerText)\"; expected \"model_a\", \"model_b\", \"tie\" or "
                    + "\"tie (bothbad)\"")
        }
        let judge = try Self.field(String.self, fields, .judge, expected: "a string")
        let anonymous = try Self.field(Bool.self, fields, .anony, expected: "true or false")
        let timestamp = try Self.field(Double.self, fields, .tstamp, expected: "a number (seconds since 1970)")
        battle = Battle(modelA, modelB, winner, judge: judge, anonymous: anonymous, timestamp: timestamp)
    }

    /// A required, non-empty model name.
    private static func name(_ fields: KeyedDecodingContainer<Key>, _ key: Key) throws -> String {
        guard let name = try field(String.self, fields, key, expected: "a string") else {
            throw Problem(message: "\"\(key.rawValue)\" is missing")
        }
        guard !name.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw Problem(message: "\"\(key.rawValue)\" is empty; it names a model")
        }
        return name
    }

    /// An optional field (absent or null gives nil) of the given type.
    private static func field<Value: Decodable>(
        _ type: Value.Type, _ fields: KeyedDecodingContainer<Key>, _ key: Key, expected: String
    ) throws -> Value? {
        do {
            return try fields.decodeIfPresent(type, forKey: key)
        } catch {
            throw Problem(message: "\"\(key.rawValue)\" must be \(expected)")
        }
    }

    /// A message for an error that is not about one field: the line is not JSON.
    static func describe(_ error: Error) -> String {
        if case DecodingError.dataCorrupted(let context) = error {
            let detail = (context.underlyingError as NSError?)?.userInfo[NSDebugDescriptionErrorKey] as? String
            return "not valid JSON" + (detail.map { " (\($0))" } ?? "")
        }
        return "not a battle: \(error)"
    }
}
