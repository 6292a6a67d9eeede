import Foundation
import TallyIO

/// Parses one preference pair in TRL's or Anthropic HH-RLHF's format.
enum PreferenceLineParser {
    static func parse(_ object: [String: JSONNode], format: PreferenceFormat) throws -> ImportRecord {
        guard let chosen = object["chosen"] else { throw LineProblem("\"chosen\" is missing") }
        guard let rejected = object["rejected"] else { throw LineProblem("\"rejected\" is missing") }
        let hasPrompt = object["prompt"] != nil
        switch format {
        case .hh:
            return try parseHH(chosen: chosen, rejected: rejected)
        case .auto where !hasPrompt && looksLikeHH(chosen):
            return try parseHH(chosen: chosen, rejected: rejected)
        case .auto, .trl:
            if let prompt = try ImportLineParser.promptField(object, required: false) {
                let chosenText = try completion(chosen, field: "chosen")
                let rejectedText = try completion(rejected, field: "rejected")
                let form = prompt.isText && chosen.stringValue != nil ? "trl-standard" : "trl-conversational"
                return .pair(prompt: prompt, chosen: chosenText, rejected: rejectedText, format: form)
            }
            return try parseImplicit(chosen: chosen, rejected: rejected)
        }
    }

    /// True when `value` is a transcript of `Human:`/`Assistant:` turns.
    static func looksLikeHH(_ value: JSONNode) -> Bool {
        guard let text = value.stringValue else { return false }
        return (text.hasPrefix("\n\nHuman:") || text.hasPrefix("Human:")) && text.contains("\n\nAssistant:")
    }

    /// A completion: a string, or a list of messages that starts and ends with an assistant turn (one
    /// assistant message, mostly).
    private static func completion(_ value: JSONNode, field: String) throws -> ResponseContent {
        if let text = value.stringValue { return .text(text) }
        if let list = value.arrayValue {
            let turns = try ImportLineParser.messages(list, field: field)
            guard turns.first?.role == "assistant", turns.last?.role == "assistant" else {
                throw LineProblem(
                    "\"\(field)\" must start and end with an assistant message, the answer to the prompt")
            }
            return ResponseContent.turns(turns).canonical
        }
        throw LineProblem("\"\(field)\" must be a string or a list of messages")
    }

    /// TRL's implicit prompt: the prompt is what `chosen` and `rejected` share.
    private static func parseImplicit(chosen: JSONNode, rejected: JSONNode) throws -> ImportRecord {
        if let chosenText = chosen.stringValue, let rejectedText = rejected.stringValue {
            let split = sharedPrefixSplit(chosenText, rejectedText)
            guard split.prompt.contains(where: { !$0.isWhitespace }) else {
                throw LineProblem(
                    "no \"prompt\" and \"chosen\"/\"rejected\" share no leading text to use as the prompt")
            }
            return .pair(
                prompt: .text(split.prompt), chosen: .text(split.chosen), rejected: .text(split.rejected),
                format: "trl-implicit")
        }
        guard let chosenList = chosen.arrayValue, let rejectedList = rejected.arrayValue else {
            throw LineProblem("\"chosen\" and \"rejected\" must both be strings or both be message lists")
        }
        let chosenTurns = try ImportLineParser.messages(chosenList, field: "chosen")
        let rejectedTurns = try ImportLineParser.messages(rejectedList, field: "rejected")
        return try pairFromConversations(chosenTurns, rejectedTurns, format: "trl-implicit")
    }

    /// Two conversations that part ways somewhere after a shared opening. The prompt is the turns both share,
    /// up to the last user turn among them (so that it ends where the model answers; TRL's `extract_prompt`
    /// takes every shared turn), and each side's remaining turns are its response: the last answer, mostly,
    /// but several turns when the two part ways earlier (a ``ResponseContent/turns(_:)``).
    static func pairFromConversations(_ chosen: [Message], _ rejected: [Message], format: String) throws
        -> ImportRecord
    {
        guard chosen.last?.role == "assistant" else {
            throw LineProblem("\"chosen\" must end with an assistant turn")
        }
        guard rejected.last?.role == "assistant" else {
            throw LineProblem("\"rejected\" must end with an assistant turn")
        }
        var shared = 0  // each side keeps at least its last turn
        while shared < chosen.count - 1, shared < rejected.count - 1, chosen[shared] == rejected[shared] {
            shared += 1
        }
        guard let lastUserTurn = chosen[..<shared].lastIndex(where: { $0.role == "user" }) else {
            throw LineProblem(
                "\"chosen\" and \"rejected\" do not begin with the same user turn, so they share no prompt",
                advice: "both must continue the same conversation")
        }
        let answersStart = lastUserTurn + 1
        guard chosen[answersStart].role == "assistant", rejected[answersStart].role == "assistant" else {
            throw LineProblem(
                "\"chosen\" and \"rejected\" part ways at a user turn (turn \(answersStart + 1)), so there is no "
                    + "answer to compare", advice: "both must continue the same conversation with an assistant turn")
        }
        return .pair(
            prompt: PromptContent.messages(Array(chosen[..<answersStart])).canonical,
            chosen: ResponseContent.turns(Array(chosen[answersStart...])).canonical,
            rejected: ResponseContent.turns(Array(rejected[answersStart...])).canonical, format: format)
    }

    /// Splits two strings at the end of their common prefix; a space just before the split goes with
    /// the answers (as TRL's `extract_prompt` does), so "The sky is blue." / "The sky is green."
    /// gives the prompt "The sky is" and answers " blue." / " green.".
    static func sharedPrefixSplit(_ a: String, _ b: String) -> (prompt: String, chosen: String, rejected: String) {
        var indexA = a.startIndex
        var indexB = b.startIndex
        while indexA < a.endIndex, indexB < b.endIndex, a[indexA] == b[indexB] {
            indexA = a.index(after: indexA)
            indexB = b.index(after: indexB)
        }
        if indexA > a.startIndex, indexA < a.endIndex || indexB < b.endIndex {
            let previous = a.index(before: indexA)
            if a[previous] == " " {
                indexA = previous
                indexB = b.index(before: indexB)
            }
        }
        return (String(a[..<indexA]), String(a[indexA...]), String(b[indexB...]))
    }

    // MARK: - Anthropic HH-RLHF

    private static func parseHH(chosen: JSONNode, rejected: JSONNode) throws -> ImportRecord {
        guard let chosenText = chosen.stringValue else { throw LineProblem("\"chosen\" must be a transcript string") }
        guard let rejectedText = rejected.stringValue else {
            throw LineProblem("\"rejected\" must be a transcript string")
        }
        let chosenTurns = try HHTranscript.turns(chosenText, field: "chosen")
        let rejectedTurns = try HHTranscript.turns(rejectedText, field: "rejected")
        return try pairFromConversations(chosenTurns, rejectedTurns, format: "hh")
    }
}

/// Anthropic HH-RLHF transcripts: `\n\nHuman: …\n\nAssistant: …` repeated.
public enum HHTranscript {
    private static let markers: [(text: String, role: String)] = [
        ("\n\nHuman:", "user"), ("\n\nAssistant:", "assistant"),
    ]

    /// The turns of a transcript, as user/assistant messages (one space after each marker dropped).
    public static func turns(_ transcript: String) throws -> [Message] {
        do {
            return try turns(transcript, field: "transcript")
        } catch let problem as LineProblem {
            throw StoreError.invalid(problem.message)
        }
    }

    static func turns(_ transcript: String, field: String) throws -> [Message] {
        var text = transcript
        if text.hasPrefix("Human:") { text = "\n\n" + text }
        var found: [(range: Range<String.Index>, role: String)] = []
        for marker in markers {
            var searchStart = text.startIndex
            while let range = text.range(of: marker.text, range: searchStart..<text.endIndex) {
                found.append((range, marker.role))
                searchStart = range.upperBound
            }
        }
        found.sort { $0.range.lowerBound < $1.range.lowerBound }
        guard let first = found.first else {
            throw LineProblem("\"\(field)\" has no \"\\n\\nHuman:\" or \"\\n\\nAssistant:\" turns")
        }
        guard first.range.lowerBound == text.startIndex else {
            throw LineProblem("\"\(field)\" must start with \"\\n\\nHuman:\"")
        }
        var messages: [Message] = []
        for (index, marker) in found.enumerated() {
            let end = index + 1 < found.count ? found[index + 1].range.lowerBound : text.endIndex
            var content = text[marker.range.upperBound..<end]
            if content.first == " " { content = content.dropFirst() }
            messages.append(Message(role: marker.role, content: String(content)))
        }
        return messages
    }
}
