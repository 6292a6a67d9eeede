import Foundation
import TallyEngine

/// How prompts are put to a model.
public enum PromptStyle: String, Sendable, CaseIterable, Codable {
    /// Plain text the model continues as a document, the way a base model pretrained on the task world's
    /// transcripts is asked (`User: …\nAssistant:`).
    case transcript
    /// Tally's ChatML template (``ChatTemplate``), the way fine-tuned models are asked.
    case chat
}

/// A prompt ready for a model: text to continue, or a conversation for the chat template.
public enum ModelPrompt: Sendable, Equatable {
    /// Text the model continues as it is.
    case continuation(String)
    /// Messages rendered with the chat template, followed by the assistant's turn header.
    case conversation([ChatMessage])
}

/// One sampled response.
public struct SampledResponse: Sendable, Equatable {
    /// The response's text: the generated tokens before the stop token, decoded, with surrounding
    /// whitespace trimmed (special tokens the model wrote mid-text are kept, so a judge sees them).
    public var text: String
    /// The generated tokens, the stop token included when there was one.
    public var tokens: [Int32]
    /// Each generated token's log-probability under the distribution it was drawn from.
    public var logProbs: [Float]
    /// True when the model ended the response itself with a stop token; false when the token budget
    /// or the context length cut it.
    public var stopped: Bool
}

/// Samples responses from a model with its tokenizer: encodes prompts, runs the engine's batched
/// KV-cache sampler, and decodes what comes back.
///
/// Generation stops at the model's end-of-sequence tokens and at the tokenizer's `<|endoftext|>` and
/// `<|im_end|>`. Samples are deterministic for a seed given the same prompts in the same order.
///
/// ```swift
/// let sampler = try ResponseSampler(checkpoint: try Checkpoint.load(from: folder))
/// let settings = SamplingSettings(maxNewTokens: 64, temperature: 1, topP: 0.95, seed: 7)
/// let responses = try sampler.sample([.continuation("User: What is 2 plus 3?\nAssistant:")], count: 4,
///                                    settings: settings)
/// responses[0].map(\.text)    // four continuations of the one prompt
/// ```
public struct ResponseSampler {
    /// The model that writes the responses.
    public let model: TransformerModel
    /// The tokenizer the model was trained with.
    public let tokenizer: BPETokenizer
    /// The chat template, when the tokenizer has its special tokens.
    public let chatTemplate: ChatTemplate?
    /// Tokens that end a response.
    public let stopTokens: Set<Int32>

    /// A sampler for `model`, whose vocabulary must hold every id of `tokenizer`.
    public init(model: TransformerModel, tokenizer: BPETokenizer) throws {
        guard tokenizer.vocabularySize <= model.config.vocabSize else {
            throw SamplerError(
                "the tokenizer has \(tokenizer.vocabularySize) tokens but the model's vocabulary holds "
                    + "\(model.config.vocabSize); they do not belong together")
        }
        self.model = model
        self.tokenizer = tokenizer
        chatTemplate = try? ChatTemplate(tokenizer: tokenizer)
        var stops = Set(model.config.eosTokenIds.map { Int32($0) })
        // Not chatTemplate.stopTokenIDs: a tokenizer without <|im_start|> (GPT-2's) still stops at <|endoftext|>.
        for special in [ChatTemplate.endOfText, ChatTemplate.turnEnd] {
            if let id = tokenizer.addedTokenID(special) { stops.insert(Int32(id)) }
        }
        stopTokens = stops
    }

    /// A sampler for the model and tokenizer a checkpoint holds.
    public init(checkpoint: Checkpoint) throws {
        try self.init(model: try checkpoint.makeModel(), tokenizer: checkpoint.tokenizer)
    }

    /// The tokens the model is given for `prompt`.
    public func encode(_ prompt: ModelPrompt) throws -> [Int32] {
        switch prompt {
        case .continuation(let text):
            return tokenizer.encode(text, allowSpecialTokens: false).map { Int32($0) }
        case .conversation(let messages):
            guard let chatTemplate else {
                throw SamplerError(
                    "the tokenizer lacks \(ChatTemplate.turnStart) and \(ChatTemplate.turnEnd), so chat prompts "
                        + "cannot be encoded; use the transcript style")
            }
            return chatTemplate.encodePrompt(messages).map { Int32($0) }
        }
    }

    /// True when the prompt's tokens leave room in the context for at least one new token.
    public func fits(_ promptTokens: [Int32]) -> Bool {
        !promptTokens.isEmpty && promptTokens.count < model.config.contextLength
    }

    /// `count` responses to each prompt, sampled together in one batch (each prompt repeated `count`
    /// times). The result holds one array of `count` responses per prompt, in order.
    ///
    /// Throws when a prompt does not fit the context (check with ``fits(_:)`` first) or the settings
    /// cannot sample. `settings.stopTokens`, when nil, becomes ``stopTokens``.
    public func sample(_ prompts: [ModelPrompt], count: Int = 1, settings: SamplingSettings) throws
        -> [[SampledResponse]]
    {
        try sample(encoded: prompts.map(encode), count: count, settings: settings)
    }

    /// ``sample(_:count:settings:)`` for prompts already encoded.
    public func sample(encoded prompts: [[Int32]], count: Int = 1, settings: SamplingSettings) throws
        -> [[SampledResponse]]
    {
        guard count >= 1 else { throw SamplerError("the number of responses per prompt must be at least 1") }
        for (index, tokens) in prompts.enumerated() where !fits(tokens) {
            throw SamplerError(
                "prompt \(index + 1) has \(tokens.count) tokens; the model's context holds "
                    + "\(model.config.contextLength) and needs room for the response")
        }
        var settings = settings
        let stops = settings.stopTokens ?? stopTokens
        settings.stopTokens = stops
        let rows = prompts.flatMap { Array(repeating: $0, count: count) }
        let generated = try model.generate(prompts: rows, settings: settings)
        return prompts.indices.map { promptIndex in
            (0..<count).map { copy in response(from: generated[promptIndex * count + copy], stops: stops) }
        }
    }

    private func response(from sequence: GeneratedSequence, stops: Set<Int32>) -> SampledResponse {
        var body = sequence.tokens
        let stopped = sequence.finishReason == .endOfSequence
        if stopped, let last = body.last, stops.contains(last) { body.removeLast() }
        let text = tokenizer.decode(body.map(Int.init)).trimmingCharacters(in: .whitespacesAndNewlines)
        return SampledResponse(text: text, tokens: sequence.tokens, logProbs: sequence.logProbs, stopped: stopped)
    }
}

/// Why sampling could not run.
public struct SamplerError: Error, CustomStringConvertible, Equatable, Sendable {
    public var description: String

    public init(_ description: String) {
        self.description = description
    }
}
