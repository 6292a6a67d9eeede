import ArgumentParser
import Foundation
import TallyEngine
import TallyIO
import TallyStore

/// `tally generate`: sample continuations (or chat replies) from a checkpoint.
struct Generate: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Generate text from a checkpoint.",
        discussion: """
            --checkpoint takes a workspace checkpoint's name or id, or a folder in Hugging Face layout \
            (config.json, model.safetensors, tokenizer.json). Without --chat the prompt is completed as raw \
            text (stopping at the model's end-of-text token); with --chat it is sent as a user turn through the \
            chat template and the reply stops at the end of the turn.

            Example: tally generate --checkpoint base --prompt "Q: what is 2 + 3?" --temperature 0
            """)

    @Option(help: "A workspace checkpoint (name or id) or a Hugging Face model folder.")
    var checkpoint: String

    @Option(help: "The prompt text (empty: start a new document, from the model's bos token).")
    var prompt: String

    @Option(help: "New tokens per sample, at most.")
    var maxTokens: Int = 64

    @Option(help: "Sampling temperature; 0 is greedy.")
    var temperature: Float = 1

    @Option(help: "Sample only from the K most likely tokens (0: all).")
    var topK: Int = 0

    @Option(help: "Sample from the smallest set of tokens whose probability reaches P (1: all).")
    var topP: Float = 1

    @Option(help: "Seed of the sampling.")
    var seed: UInt64 = 0

    @Option(help: "How many samples.")
    var samples: Int = 1

    @Flag(help: "Wrap the prompt in the chat template and stop at the end of the assistant's turn.")
    var chat = false

    @Flag(help: "Print one JSON object per sample: {\"text\", \"tokens\", \"finish_reason\"}.")
    var json = false

    @OptionGroup var workspace: WorkspaceOption

    func validate() throws {
        if maxTokens < 1 { throw ValidationError("--max-tokens must be at least 1") }
        if samples < 1 { throw ValidationError("--samples must be at least 1") }
        if !(temperature >= 0) || !temperature.isFinite { throw ValidationError("--temperature must be ≥ 0") }
        if topK < 0 { throw ValidationError("--top-k must be ≥ 0") }
        if !(topP > 0 && topP <= 1) { throw ValidationError("--top-p must be in (0, 1]") }
    }

    func run() throws {
        try reportingErrors {
            let resolved = try CheckpointResolver.resolve(checkpoint, option: workspace)
            let model = try resolved.checkpoint.makeModel()
            let tokenizer = resolved.checkpoint.tokenizer
            let template = chat ? try ChatTemplate(tokenizer: tokenizer) : nil
            var promptTokens =
                template?.encodePrompt([ChatMessage(role: .user, content: prompt)])
                ?? tokenizer.encode(prompt)
            if promptTokens.isEmpty, let start = model.config.bosTokenId {
                promptTokens = [start]  // an empty raw prompt: a document from its start
            }
            guard !promptTokens.isEmpty else {
                throw ValidationError("the prompt is empty and the model has no bos_token_id; pass some text")
            }
            let context = model.config.contextLength
            guard promptTokens.count < context else {
                throw ValidationError(
                    "the prompt is \(promptTokens.count) tokens; the model's context holds \(context), "
                        + "so shorten the prompt")
            }
            let stops = template.map { Set($0.stopTokenIDs.map { Int32($0) }) }
            let settings = SamplingSettings(
                maxNewTokens: maxTokens, temperature: temperature, topK: topK, topP: topP, seed: seed,
                stopTokens: stops)
            let prompts = [[Int32]](repeating: promptTokens.map { Int32($0) }, count: samples)
            let outputs = try model.generate(prompts: prompts, settings: settings)
            for (index, output) in outputs.enumerated() {
                let ids = output.tokens.map { Int($0) }
                let text: String
                if let template {
                    text = template.reply(fromGenerated: ids).text
                } else {
                    let stopAt =
                        ids.last.map { model.config.eosTokenIds.contains($0) } == true
                        ? ids.count - 1 : ids.count
                    text = tokenizer.decode(Array(ids[..<stopAt]))
                }
                if json {
                    let finishReason = output.finishReason == .endOfSequence ? "stop" : "length"
                    print(
                        JSONLine.object([
                            ("text", JSONLine.string(text)),
                            ("tokens", "[" + ids.map(String.init).joined(separator: ",") + "]"),
                            ("finish_reason", JSONLine.string(finishReason)),
                        ]))
                } else {
                    if samples > 1 { print("── sample \(index + 1) ──") }
                    print(TerminalText.sanitized(text))
                }
            }
        }
    }
}

/// JSON text written by hand, in a fixed key order.
enum JSONLine {
    /// `text` as a JSON string literal by Tally's one rule (``JSONString``): every control character (C0, DEL
    /// and C1, which terminals may act on) is escaped, so the line is valid JSON and safe to print.
    static func string(_ text: String) -> String {
        JSONString.quoted(text)
    }

    /// `{"key": value, ...}` from already-encoded values, in the given order.
    static func object(_ fields: [(String, String)]) -> String {
        "{" + fields.map { string($0.0) + ": " + $0.1 }.joined(separator: ", ") + "}"
    }
}
