import Foundation
import TallyIO

/// What an import file holds.
public enum ImportKind: String, CaseIterable, Sendable {
    /// One prompt per line: plain text, `{"prompt": …}` or `{"messages": […]}`.
    case prompts
    /// Preference pairs: TRL (standard, conversational, implicit prompt) or Anthropic HH-RLHF.
    case prefs
    /// `{"prompt": …, "responses": […]}`: unlabeled candidates for the ranking queue.
    case responses
}

/// The preference formats `tally import prefs` reads.
public enum PreferenceFormat: String, CaseIterable, Sendable {
    /// Decide per line: HH transcripts when `chosen` holds `\n\nHuman:` turns and there is no prompt, else TRL.
    case auto
    /// TRL: `prompt`/`chosen`/`rejected` strings or message lists, or `chosen`/`rejected` with an implicit prompt.
    case trl
    /// Anthropic HH-RLHF: `chosen`/`rejected` transcripts of `\n\nHuman: …\n\nAssistant: …` turns.
    case hh
}

/// One parsed, valid line of an import file.
enum ImportRecord {
    case prompt(PromptContent, split: Split?)
    /// A preference pair. `format` names the line's format (`hh`, `trl-standard`, …) for the summary.
    case pair(prompt: PromptContent, chosen: ResponseContent, rejected: ResponseContent, format: String)
    case candidates(prompt: PromptContent, responses: [String], split: Split?)
}

/// Turns one line of an import file into an ``ImportRecord``.
enum ImportLineParser {
    /// The fewest and most responses a ranking shows.
    static let responsesPerRanking = 2...9

    static func parse(_ line: UnsafeBufferPointer<UInt8>, kind: ImportKind, format: PreferenceFormat) throws
        -> ImportRecord
    {
        let first = line.first(where: { $0 != 0x20 && $0 != 0x09 })
        if kind == .prompts && first != UInt8(ascii: "{") && first != UInt8(ascii: "\"") {
            return .prompt(.text(try JSONLinesReader.text(of: line)), split: nil)
        }
        let value = try JSONLinesReader.value(in: line)
        if kind == .prompts, case .string(let string) = value {
            return .prompt(.text(string), split: nil)
        }
        guard case .object(let object) = value else {
            throw LineProblem("expected a JSON object ({…}) on this line")
        }
        switch kind {
        case .prompts:
            return .prompt(try promptField(object, required: true)!, split: try splitField(object))
        case .prefs:
            let record = try PreferenceLineParser.parse(object, format: format)
            if case .pair(_, let chosen, let rejected, _) = record, chosen == rejected {
                throw LineProblem("\"chosen\" and \"rejected\" are the same answer")
            }
            return record
        case .responses:
            guard let prompt = try promptField(object, required: true) else { throw LineProblem("unreachable") }
            guard let list = object["responses"] else { throw LineProblem("\"responses\" is missing") }
            guard let responses = list.stringArrayValue else {
                throw LineProblem("\"responses\" must be a list of strings")
            }
            guard responsesPerRanking.contains(responses.count) else {
                throw LineProblem(
                    "\"responses\" has \(responses.count) entries; a ranking needs 2 to 9")
            }
            return .candidates(prompt: prompt, responses: responses, split: try splitField(object))
        }
    }

    /// The prompt from `"prompt"` (a string or message list) or `"messages"`.
    static func promptField(_ object: [String: JSONNode], required: Bool) throws -> PromptContent? {
        if let prompt = object["prompt"] {
            if let text = prompt.stringValue { return .text(text) }
            if let list = prompt.arrayValue { return .messages(try messages(list, field: "prompt")).canonical }
            throw LineProblem("\"prompt\" must be a string or a list of {\"role\", \"content\"} messages")
        }
        if let list = object["messages"] {
            guard let list = list.arrayValue else { throw LineProblem("\"messages\" must be a list") }
            return .messages(try messages(list, field: "messages")).canonical
        }
        if required { throw LineProblem("\"prompt\" is missing (or give \"messages\")") }
        return nil
    }

    /// A list of `{"role", "content"}` objects.
    static func messages(_ list: [JSONNode], field: String) throws -> [Message] {
        if list.isEmpty { throw LineProblem("\"\(field)\" is an empty list") }
        var result: [Message] = []
        result.reserveCapacity(list.count)
        for (index, item) in list.enumerated() {
            guard let entry = item.objectValue else {
                throw LineProblem("\"\(field)\"[\(index)] must be an object with \"role\" and \"content\"")
            }
            guard let role = entry["role"]?.stringValue else {
                throw LineProblem("\"\(field)\"[\(index)].role is missing or not a string")
            }
            guard Message.roles.contains(role) else {
                throw LineProblem("\"\(field)\"[\(index)].role is \"\(role)\"; use system, user or assistant")
            }
            guard let content = entry["content"]?.stringValue else {
                throw LineProblem("\"\(field)\"[\(index)].content is missing or not a string")
            }
            result.append(Message(role: role, content: content))
        }
        return result
    }

    static func splitField(_ object: [String: JSONNode]) throws -> Split? {
        guard let value = object["split"] else { return nil }
        guard let name = value.stringValue, let split = Split(rawValue: name) else {
            throw LineProblem("\"split\" must be \"train\", \"eval\" or \"test\"")
        }
        return split
    }
}
