import Foundation

/// Who wrote a chat message.
public enum ChatRole: String, Codable, Sendable, CaseIterable {
    case system, user, assistant
}

/// One message of a conversation.
public struct ChatMessage: Equatable, Codable, Sendable {
    /// Who wrote it.
    public var role: ChatRole
    /// What it says.
    public var content: String

    /// Makes a message.
    public init(role: ChatRole, content: String) {
        self.role = role
        self.content = content
    }
}

/// A tokenized training example: the tokens and which of them the loss is computed on.
public struct ChatExample: Equatable, Sendable {
    /// The token ids, prompt first.
    public var tokens: [Int]
    /// `true` for tokens the model is trained to produce (assistant replies and their end-of-turn token).
    public var lossMask: [Bool]
    /// How many leading tokens are the prompt (for a single prompt/response example: the generation start).
    public var promptCount: Int
}

/// The chat format every Tally trainer, sampler and arena shares (ChatML-style):
///
///     <|im_start|>system\n{content}<|im_end|>\n
///     <|im_start|>user\n{content}<|im_end|>\n
///     <|im_start|>assistant\n{content}<|im_end|>\n
///
/// A prompt for generation ends with `<|im_start|>assistant\n`; the model's reply ends with `<|im_end|>`, the
/// stop token. Base-model documents are separated by `<|endoftext|>`.
///
/// Token ids are built turn by turn: `<|im_start|>`, the role line, the content and `<|im_end|>` are encoded
/// separately, so a prompt's tokens are always a prefix of every example built from it (what the model sees
/// when generating is exactly what it was trained on). Content is encoded with special tokens disabled: a user
/// who types `<|im_end|>` gets those characters, not the end of the turn.
///
/// A tokenizer whose post-processor puts tokens before every text (Llama 3's `<|begin_of_text|>`) gets them
/// once, at the start of the conversation, and nowhere else: transformers tokenizes a rendered chat with
/// `add_special_tokens=False` and leaves the beginning-of-sequence token to the chat template, so Tally's
/// template for such a tokenizer writes it first (``jinjaTemplate(startingWith:)``) and the ids agree.
///
/// ```swift
/// let chat = try ChatTemplate(tokenizer: tokenizer)
/// let prompt = chat.encodePrompt([ChatMessage(role: .user, content: "What is 2+3?")])
/// let example = chat.encodeExample(prompt: [ChatMessage(role: .user, content: "What is 2+3?")], response: "5")
/// // example.tokens.prefix(example.promptCount) == prompt; the loss covers "5<|im_end|>"
/// ```
public struct ChatTemplate: Sendable {
    /// Ends a document in pretraining text.
    public static let endOfText = "<|endoftext|>"
    /// Starts a turn, followed by the role and a newline.
    public static let turnStart = "<|im_start|>"
    /// Ends a turn; generation stops here.
    public static let turnEnd = "<|im_end|>"

    /// The same format as a transformers (Jinja) chat template. Checkpoints carry it in
    /// `tokenizer_config.json`, so `tokenizer.apply_chat_template` in transformers renders conversations
    /// the way Tally does (the ids agree except where a message starts with a run of two or more
    /// whitespace characters, which Tally encodes apart from the role line).
    public static let jinjaTemplate = jinjaTemplate(startingWith: "")

    /// ``jinjaTemplate`` with `start` written before the first turn (`"<|begin_of_text|>"` for a Llama 3
    /// tokenizer); see ``conversationStart``.
    public static func jinjaTemplate(startingWith start: String) -> String {
        let literal = start.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "'", with: "\\'")
        return (start.isEmpty ? "" : "{{ '\(literal)' }}")
            + "{% for message in messages %}"
            + "{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n' }}"
            + "{% endfor %}"
            + "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}"
    }

    /// `tokenizer_config.json` for transformers: the chat template, `<|im_end|>` as end of sequence and
    /// `<|endoftext|>` (when present) for padding.
    public var huggingFaceTokenizerConfig: Data {
        var fields = [
            "  \"chat_template\": \(JSONText.quoted(Self.jinjaTemplate(startingWith: conversationStart)))",
            "  \"eos_token\": \(JSONText.quoted(Self.turnEnd))",
        ]
        if endOfTextID != nil { fields.append("  \"pad_token\": \(JSONText.quoted(Self.endOfText))") }
        return Data(("{\n" + fields.joined(separator: ",\n") + "\n}\n").utf8)
    }

    /// The tokenizer the template encodes with.
    public let tokenizer: BPETokenizer
    /// Id of `<|im_start|>`.
    public let turnStartID: Int
    /// Id of `<|im_end|>`, the end-of-turn token generation stops at.
    public let turnEndID: Int
    /// Id of `<|endoftext|>`, when the tokenizer has it.
    public let endOfTextID: Int?
    /// Ids every encoded conversation starts with: those the tokenizer's post-processor puts before a text
    /// (Llama 3's `<|begin_of_text|>`); empty for most tokenizers.
    public let conversationStartIDs: [Int]
    /// The text of ``conversationStartIDs``, which ``render(_:addGenerationPrompt:)`` starts with.
    public var conversationStart: String { tokenizer.decode(conversationStartIDs) }

    /// Makes the template for `tokenizer`, which must have `<|im_start|>` and `<|im_end|>` as special tokens
    /// (``BPETrainer`` adds them).
    public init(tokenizer: BPETokenizer) throws {
        guard let start = tokenizer.addedTokenID(Self.turnStart), let end = tokenizer.addedTokenID(Self.turnEnd) else {
            throw CheckpointError(
                path: "tokenizer.json",
                problem: "lacks the special tokens \(Self.turnStart) and \(Self.turnEnd) the chat template needs; "
                    + "train the tokenizer with `tally tokenizer train`, which adds them")
        }
        self.tokenizer = tokenizer
        self.turnStartID = start
        self.turnEndID = end
        self.endOfTextID = tokenizer.addedTokenID(Self.endOfText)
        self.conversationStartIDs = tokenizer.postProcessor?.idsBeforeText ?? []
    }

    /// Tokens at which generation stops: `<|im_end|>` and `<|endoftext|>`.
    public var stopTokenIDs: Set<Int> {
        var ids: Set<Int> = [turnEndID]
        if let endOfTextID { ids.insert(endOfTextID) }
        return ids
    }

    /// The conversation as text, ending with `<|im_start|>assistant\n` when `addGenerationPrompt` is set.
    /// For display and export; token ids come from the `encode` methods.
    public func render(_ messages: [ChatMessage], addGenerationPrompt: Bool = false) -> String {
        var text = conversationStart
        for message in messages {
            text += Self.turnStart + message.role.rawValue + "\n" + message.content + Self.turnEnd + "\n"
        }
        if addGenerationPrompt { text += Self.turnStart + ChatRole.assistant.rawValue + "\n" }
        return text
    }

    /// The tokens of a prompt: the messages, then `<|im_start|>assistant\n`. Generation starts after them.
    public func encodePrompt(_ messages: [ChatMessage]) -> [Int] {
        var tokens = conversationStartIDs
        var mask = [Bool](repeating: false, count: tokens.count)
        for message in messages { appendTurn(message, to: &tokens, mask: &mask) }
        appendTurnHeader(.assistant, to: &tokens, mask: &mask)
        return tokens
    }

    /// A prompt/response example: the prompt's tokens, then the response and `<|im_end|>`, with the loss on
    /// the response and `<|im_end|>` only.
    public func encodeExample(prompt: [ChatMessage], response: String) -> ChatExample {
        var tokens = encodePrompt(prompt)
        let promptCount = tokens.count
        var mask = [Bool](repeating: false, count: promptCount)
        let reply = tokenizer.encode(response, allowSpecialTokens: false, addSpecialTokens: false) + [turnEndID]
        tokens += reply
        mask += [Bool](repeating: true, count: reply.count)
        return ChatExample(tokens: tokens, lossMask: mask, promptCount: promptCount)
    }

    /// A whole conversation, with the loss on every assistant reply and its `<|im_end|>`;
    /// `promptCount` is the number of tokens before the first trained token.
    public func encodeConversation(_ messages: [ChatMessage]) -> ChatExample {
        var tokens = conversationStartIDs
        var mask = [Bool](repeating: false, count: tokens.count)
        for message in messages { appendTurn(message, to: &tokens, mask: &mask) }
        let promptCount = mask.firstIndex(of: true) ?? tokens.count
        return ChatExample(tokens: tokens, lossMask: mask, promptCount: promptCount)
    }

    /// The reply in generated tokens: decoded up to the first stop token, and whether one was reached
    /// (a reply cut by a length limit has `finished == false`).
    public func reply(fromGenerated ids: [Int]) -> (text: String, finished: Bool) {
        let stops = stopTokenIDs
        let end = ids.firstIndex(where: { stops.contains($0) })
        let text = tokenizer.decode(Array(ids[..<(end ?? ids.count)]), skipSpecialTokens: true)
        return (text, end != nil)
    }

    private func appendTurnHeader(_ role: ChatRole, to tokens: inout [Int], mask: inout [Bool]) {
        let header =
            [turnStartID] + tokenizer.encode(role.rawValue + "\n", allowSpecialTokens: false, addSpecialTokens: false)
        tokens += header
        mask += [Bool](repeating: false, count: header.count)
    }

    private func appendTurn(_ message: ChatMessage, to tokens: inout [Int], mask: inout [Bool]) {
        appendTurnHeader(message.role, to: &tokens, mask: &mask)
        let body = tokenizer.encode(message.content, allowSpecialTokens: false, addSpecialTokens: false) + [turnEndID]
        tokens += body
        mask += [Bool](repeating: message.role == .assistant, count: body.count)
        let newline = tokenizer.encode("\n", allowSpecialTokens: false, addSpecialTokens: false)
        tokens += newline
        mask += [Bool](repeating: false, count: newline.count)
    }
}
