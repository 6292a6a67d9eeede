import Foundation

/// One turn of a conversation, as in TRL's conversational format: `{"role": …, "content": …}`.
public struct Message: Codable, Hashable, Sendable {
    /// `system`, `user` or `assistant`.
    public var role: String
    /// What was said.
    public var content: String

    public init(role: String, content: String) {
        self.role = role
        self.content = content
    }

    /// The roles a message may have.
    public static let roles: Set<String> = ["system", "user", "assistant"]
}

/// What a prompt says: one text, or a multi-turn conversation ending where the model should answer.
///
/// A conversation made of exactly one user message is the same prompt as its text, and is stored
/// as text.
public enum PromptContent: Hashable, Sendable {
    case text(String)
    case messages([Message])

    /// The canonical form: a single user message becomes `.text`.
    public var canonical: PromptContent {
        if case .messages(let messages) = self, messages.count == 1, messages[0].role == "user" {
            return .text(messages[0].content)
        }
        return self
    }

    /// The conversation form: a text becomes one user message.
    public var asMessages: [Message] {
        switch self {
        case .text(let text): return [Message(role: "user", content: text)]
        case .messages(let messages): return messages
        }
    }

    /// True when the prompt is a single text.
    /// The text of the last user turn (the whole prompt for a single text): what the task world's oracle
    /// recognises.
    public var lastUserText: String {
        switch self {
        case .text(let text): return text
        case .messages(let messages): return messages.last { $0.role == "user" }?.content ?? ""
        }
    }

    public var isText: Bool {
        if case .text = self { return true }
        return false
    }
}

/// Which part of the data a prompt belongs to.
public enum Split: String, CaseIterable, Codable, Sendable {
    case train, eval, test
}

/// What a labeler may do: admins also manage instructions and queues.
public enum LabelerRole: String, CaseIterable, Codable, Sendable {
    case admin, labeler
}

/// A person who labels.
public struct Labeler: Hashable, Sendable {
    public var id: Int64
    public var name: String
    public var role: LabelerRole

    public init(id: Int64, name: String, role: LabelerRole) {
        self.id = id
        self.name = name
        self.role = role
    }
}

/// One version of the labeling guidelines, identified by the SHA-256 of its text.
public struct InstructionVersion: Hashable, Sendable {
    public var id: Int64
    public var hash: String
    public var text: String

    public init(id: Int64, hash: String, text: String) {
        self.id = id
        self.hash = hash
        self.text = text
    }
}

/// Who wrote a response: a person, or a model (then usually a checkpoint).
public enum ResponseOrigin: String, CaseIterable, Codable, Sendable {
    case human, model
}

/// How a response was sampled, stored as JSON beside it.
public struct SamplingParameters: Codable, Hashable, Sendable {
    public var temperature: Double?
    public var topP: Double?
    public var topK: Int?
    public var maxNewTokens: Int?

    public init(temperature: Double? = nil, topP: Double? = nil, topK: Int? = nil, maxNewTokens: Int? = nil) {
        self.temperature = temperature
        self.topP = topP
        self.topK = topK
        self.maxNewTokens = maxNewTokens
    }
}

/// The outcome of comparing response A with response B.
public enum ComparisonOutcome: String, CaseIterable, Codable, Sendable {
    case a = "A"
    case b = "B"
    case tie
    case bothBad
}

/// Why a labeler flagged a prompt or response.
public enum FlagKind: String, CaseIterable, Codable, Sendable {
    case harmful, jailbreak, pii, spam, factualError, note
}

/// A flag (harmful, PII, …) attached to a submission: about the prompt (`responseID` nil) or about one response.
public struct LabelFlag: Hashable, Sendable {
    public var kind: FlagKind
    public var responseID: Int64?
    public var note: String?

    public init(kind: FlagKind, responseID: Int64? = nil, note: String? = nil) {
        self.kind = kind
        self.responseID = responseID
        self.note = note
    }
}

/// The three kinds of labeling work.
public enum TaskKind: String, CaseIterable, Codable, Sendable {
    case demonstration, ranking, comparison
}

/// Where a labeler stands on one task.
public enum AssignmentStatus: String, CaseIterable, Codable, Sendable {
    case pending, draft, submitted, skipped
}

/// The kinds of checkpoint a workspace holds.
public enum CheckpointKind: String, CaseIterable, Codable, Sendable {
    case base, sft, rm, dpo, ppo, grpo, rloo, value

    /// Whether the checkpoint is a language model that writes responses (every kind but reward and value
    /// models): what drafts, critiques, sampling and the arena use.
    public var isPolicy: Bool { self != .rm && self != .value }
}

/// Who judged an arena battle.
public enum JudgeKind: String, CaseIterable, Codable, Sendable {
    case human, rm, oracle
}

/// Who wrote a draft or critique: a checkpoint of this workspace, or a model behind an endpoint.
public enum ModelAuthor: Hashable, Sendable {
    case checkpoint(Int64)
    case endpoint(model: String)
}

extension Date {
    /// Seconds since 1970, as stored in every `createdAt` column.
    static var nowTimestamp: Double { Date().timeIntervalSince1970 }
}
