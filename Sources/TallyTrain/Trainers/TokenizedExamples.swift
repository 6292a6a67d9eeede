import Foundation
import TallyEngine
import TallyStore

/// A prompt and a response rendered with the shared chat template: the tokens, and how many of them are the
/// prompt (the response and its `<|im_end|>` follow).
public struct TokenizedResponse: Sendable, Hashable {
    public var tokens: [Int32]
    public var promptCount: Int
}

/// Renders stored prompts and responses with the chat template every trainer, sampler and the arena share,
/// and checks them against the model's context.
public struct ExampleRenderer: Sendable {
    public let chat: ChatTemplate
    /// The model's context length: a rendered example may hold at most this many tokens.
    public let contextLength: Int

    public init(tokenizer: BPETokenizer, contextLength: Int) throws {
        chat = try ChatTemplate(tokenizer: tokenizer)
        self.contextLength = contextLength
    }

    /// The prompt's turns, then `response` and `<|im_end|>`; only the response's tokens are trained.
    public func render(_ prompt: PromptContent, response: String) -> TokenizedResponse {
        let example = chat.encodeExample(prompt: ModelPromptRendering.chatMessages(prompt), response: response)
        return TokenizedResponse(tokens: example.tokens.map(Int32.init), promptCount: example.promptCount)
    }

    /// Cuts a rendered example to the context: the end of the response goes first; at least one response token
    /// stays. Nil when the prompt alone fills the context.
    public func truncated(_ example: TokenizedResponse) -> TokenizedResponse? {
        guard example.tokens.count > contextLength else { return example }
        guard example.promptCount < contextLength else { return nil }
        return TokenizedResponse(tokens: Array(example.tokens.prefix(contextLength)), promptCount: example.promptCount)
    }
}

/// Examples that do not fit the model's context, reported together.
public struct TooLongExamples: Error, CustomStringConvertible {
    /// What they are ("demonstrations", "responses").
    public var what: String
    public var count: Int
    public var total: Int
    public var longest: Int
    public var contextLength: Int

    public var description: String {
        "\(count) of \(total) \(what) are longer than the model's context of \(contextLength) tokens (the longest "
            + "has \(longest)); pass --truncate to cut them to the context, or train a model with a longer context"
    }
}

extension TokenBatch {
    /// Positions that have a target (the tokens a language-model loss is taken on).
    public var trainedTargetCount: Int { targets.reduce(0) { $0 + ($1 >= 0 ? 1 : 0) } }
}
