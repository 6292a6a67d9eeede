import ArgumentParser
import TallyEngine
import TallyTrain

/// How tokens are drawn: the options `tally generate`, `tally sample` and `tally eval` share, with the same
/// names, defaults and meaning, so that a seed gives the same text through any of them.
struct DecodingOptions: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "Softmax temperature; 0 picks the most likely token every time (default: 1 for generate and sample, "
                + "0.7 for eval)."))
    var temperature: Float?

    @Option(help: "Nucleus sampling: keep the most likely tokens up to this probability mass (1 keeps all).")
    var topP: Float = 1.0

    @Option(help: "Keep only the k most likely tokens (0 keeps all).")
    var topK: Int = 0

    /// `--max-tokens` is the name `tally generate` once had; both are accepted.
    @Option(
        name: [.customLong("max-new-tokens"), .customLong("max-tokens")],
        help: "The most tokens one response may have.")
    var maxNewTokens: Int = 64

    @Option(help: "The seed of the draws: the same seed, model and prompts give the same responses.")
    var seed: UInt64 = 1

    func validate() throws {
        if let temperature, !(temperature >= 0 && temperature.isFinite) {
            throw ValidationError("--temperature must be ≥ 0")
        }
        guard topP > 0, topP <= 1 else { throw ValidationError("--top-p must be in (0, 1]") }
        guard topK >= 0 else { throw ValidationError("--top-k must be ≥ 0") }
        guard maxNewTokens >= 1 else { throw ValidationError("--max-new-tokens must be at least 1") }
    }

    /// The engine's settings (stop tokens are the sampler's), at `defaultTemperature` unless --temperature is given.
    func settings(defaultTemperature: Float) -> SamplingSettings {
        SamplingSettings(
            maxNewTokens: maxNewTokens, temperature: temperature ?? defaultTemperature, topK: topK, topP: topP,
            seed: seed)
    }
}

/// The sampling options `tally sample` and `tally eval` share: how tokens are drawn, and how prompts are put.
struct SamplingOptions: ParsableArguments {
    @OptionGroup var decoding: DecodingOptions

    @Option(
        help: ArgumentHelp(
            "How prompts are put to the model: auto (transcript for base checkpoints and folders, chat for "
                + "fine-tuned ones), transcript or chat."))
    var style: String = PromptStyleChoice.auto.rawValue

    func validate() throws {
        guard PromptStyleChoice(rawValue: style) != nil else {
            throw ValidationError("--style must be auto, transcript or chat, not \(style)")
        }
    }

    /// The engine's settings (stop tokens are the sampler's), at `defaultTemperature` unless --temperature is given.
    func settings(defaultTemperature: Float) -> SamplingSettings {
        decoding.settings(defaultTemperature: defaultTemperature)
    }

    /// The chosen style.
    var styleChoice: PromptStyleChoice { PromptStyleChoice(rawValue: style) ?? .auto }
}

/// The `--style` option: which prompt format to give the model.
enum PromptStyleChoice: String, CaseIterable {
    case auto, transcript, chat

    func resolve(for checkpoint: ResolvedCheckpoint) -> PromptStyle {
        switch self {
        case .auto: return checkpoint.defaultPromptStyle
        case .transcript: return .transcript
        case .chat: return .chat
        }
    }
}

extension SamplingSettings {
    /// The settings as one line of text.
    var summary: String {
        var parts = ["temperature \(temperature)"]
        if topP < 1 { parts.append("top-p \(topP)") }
        if topK > 0 { parts.append("top-k \(topK)") }
        parts.append("at most \(maxNewTokens) tokens")
        parts.append("seed \(seed)")
        return parts.joined(separator: ", ")
    }
}
