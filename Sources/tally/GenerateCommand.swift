import ArgumentParser
import Foundation
import TallyEngine
import TallyIO
import TallyStore
import TallyTrain

/// `tally generate`: sample continuations (or chat replies) from a checkpoint, with the sampler and the sampling
/// options of `tally sample`.
struct Generate: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Generate text from a checkpoint.",
        discussion: """
            --checkpoint takes a workspace checkpoint's name or id, or a folder in Hugging Face layout \
            (config.json, model.safetensors, tokenizer.json). Without --chat the prompt is completed as raw \
            text; with --chat it is sent as a user turn through the chat template. Either way the text stops at \
            the model's end-of-text or end-of-turn token, and is decoded and trimmed as `tally sample` does: \
            the same prompt, settings and seed give the same text as `tally sample` stored with that seed.

            Example: tally generate --checkpoint base --prompt "Q: what is 2 + 3?" --temperature 0
            """)

    @Option(help: "A workspace checkpoint (name or id) or a Hugging Face model folder.")
    var checkpoint: String

    @Option(help: "The prompt text (empty: start a new document, from the model's bos token).")
    var prompt: String

    @OptionGroup var decoding: DecodingOptions

    @Option(help: "How many samples (drawn together, as `tally sample --k` draws its responses to one prompt).")
    var samples: Int = 1

    @Flag(help: "Wrap the prompt in the chat template and stop at the end of the assistant's turn.")
    var chat = false

    @Flag(help: "Print one JSON object per sample: {\"text\", \"tokens\", \"finish_reason\"}.")
    var json = false

    @OptionGroup var workspace: WorkspaceOption

    /// The temperature when --temperature is not given: the same as `tally sample`'s.
    static let defaultTemperature = SampleCommand.defaultTemperature

    func validate() throws {
        if samples < 1 { throw ValidationError("--samples must be at least 1") }
    }

    func run() throws {
        try reportingErrors {
            let resolved = try CheckpointResolver.resolve(checkpoint, option: workspace)
            let sampler = try ResponseSampler(checkpoint: resolved.checkpoint)
            let promptTokens = try Self.encode(prompt, chat: chat, sampler: sampler)
            let responses = try sampler.sample(
                encoded: [promptTokens], count: samples,
                settings: decoding.settings(defaultTemperature: Self.defaultTemperature))[0]
            for (index, response) in responses.enumerated() {
                if json {
                    print(
                        JSONLine.object([
                            ("text", JSONString.quoted(response.text)),
                            ("tokens", "[" + response.tokens.map(String.init).joined(separator: ",") + "]"),
                            ("finish_reason", JSONString.quoted(response.stopped ? "stop" : "length")),
                        ]))
                } else {
                    if samples > 1 { print("── sample \(index + 1) ──") }
                    print(TerminalSanitizer.sanitize(response.text))
                }
            }
        }
    }

    /// The prompt's tokens: raw text, or a user turn of the chat template; an empty raw prompt is the model's bos
    /// token (a document from its start).
    static func encode(_ prompt: String, chat: Bool, sampler: ResponseSampler) throws -> [Int32] {
        var tokens = try sampler.encode(
            chat ? .conversation([ChatMessage(role: .user, content: prompt)]) : .continuation(prompt))
        if tokens.isEmpty, let start = sampler.model.config.bosTokenId {
            tokens = [Int32(start)]
        }
        guard !tokens.isEmpty else {
            throw ValidationError("the prompt is empty and the model has no bos_token_id; pass some text")
        }
        let context = sampler.model.config.contextLength
        guard tokens.count < context else {
            throw ValidationError(
                "the prompt is \(tokens.count) tokens; the model's context holds \(context), so shorten the prompt")
        }
        return tokens
    }
}

/// JSON text written by hand, in a fixed key order.
enum JSONLine {
    /// `{"key": value, ...}` from already-encoded values, in the given order.
    static func object(_ fields: [(String, String)]) -> String {
        "{" + fields.map { JSONString.quoted($0.0) + ": " + $0.1 }.joined(separator: ", ") + "}"
    }
}
