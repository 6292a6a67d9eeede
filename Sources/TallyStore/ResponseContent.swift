import Foundation
import GRDB

/// What a response says: one answer, or several turns.
///
/// Several turns come from preference data whose two conversations part ways before their last answer
/// (5 rows of Anthropic's HH-RLHF `harmless-base/test.jsonl`, say: the chosen side answers twice in a row).
/// The turns both sides share are the prompt, and each side's remaining turns — an assistant turn first and
/// last — are its response, as TRL's `extract_prompt` splits such a pair. A response of several turns keeps
/// them in `response.messages`, so that an export gives the conversation back turn for turn; its
/// `response.text` is ``text``, what the labeling screens and the trainers read.
///
/// A response of exactly one assistant turn is the same response as its text, and is stored as text.
public enum ResponseContent: Hashable, Sendable {
    case text(String)
    case turns([Message])

    /// The canonical form: a single assistant message becomes `.text`.
    public var canonical: ResponseContent {
        if case .turns(let turns) = self, turns.count == 1, turns[0].role == "assistant" {
            return .text(turns[0].content)
        }
        return self
    }

    /// The conversation form: a text becomes one assistant message.
    public var asMessages: [Message] {
        switch self {
        case .text(let text): return [Message(role: "assistant", content: text)]
        case .turns(let turns): return turns
        }
    }

    /// True when the response is a single answer.
    public var isText: Bool {
        if case .text = canonical { return true }
        return false
    }

    /// The response as one text: the answer, or the turns laid out as an HH-RLHF transcript continues
    /// after `"\n\nAssistant: "` — the first turn's content, then `"\n\nHuman: "` or `"\n\nAssistant: "`
    /// (`"\n\nSystem: "`) and the content of each later turn. So an HH prompt transcript, then
    /// `"\n\nAssistant: "`, then this text is the side's whole original transcript.
    public var text: String {
        switch canonical {
        case .text(let text): return text
        case .turns(let turns):
            var text = turns.first?.content ?? ""
            for turn in turns.dropFirst() {
                text += "\n\n\(Self.transcriptSpeaker[turn.role] ?? turn.role): \(turn.content)"
            }
            return text
        }
    }

    private static let transcriptSpeaker = ["user": "Human", "assistant": "Assistant", "system": "System"]

    /// The `response.messages` column: the turns as JSON for several turns, nil for a single answer.
    var messagesColumn: String? {
        guard case .turns(let turns) = canonical else { return nil }
        // Encoding an array of string pairs cannot fail.
        return String(decoding: (try? PromptStore.encoder.encode(turns)) ?? Data("[]".utf8), as: UTF8.self)
    }

    /// The content stored in a row's `text` and `messages` columns.
    static func stored(text: String, messages: String?) throws -> ResponseContent {
        guard let messages else { return .text(text) }
        do {
            return .turns(try JSONDecoder().decode([Message].self, from: Data(messages.utf8)))
        } catch {
            throw StoreError.invalid("a response row's messages are not a JSON list of {role, content} turns")
        }
    }
}

extension TallyDatabase {
    /// What the response with `id` says: its one answer, or its turns.
    public func responseContent(id: Int64) throws -> ResponseContent {
        try read { db in try Self.responseContent(db, id: id) }
    }

    static func responseContent(_ db: Database, id: Int64) throws -> ResponseContent {
        guard
            let row = try Row.fetchOne(
                db.cachedStatement(sql: "SELECT text, messages FROM response WHERE id = ?"), arguments: [id])
        else { throw StoreError.notFound("response \(id)") }
        return try ResponseContent.stored(text: row["text"], messages: row["messages"])
    }
}
