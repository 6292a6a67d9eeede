import Foundation
import TallyEngine

/// Everything that decides a pretraining run's numbers: the model's shape, the batches, the optimisation and
/// the seed. A run resumes only with the same configuration (and corpus), so its losses match an uninterrupted run.
public struct PretrainingConfiguration: Codable, Equatable, Sendable {
    /// `gpt2` or `llama`.
    public var architecture: String
    public var layers: Int
    public var heads: Int
    /// Key/value heads (Llama's grouped-query attention); GPT-2 uses `heads`.
    public var kvHeads: Int
    public var width: Int
    /// Tokens per training window, and the model's context length.
    public var context: Int
    /// Windows per optimizer step.
    public var batchSize: Int
    public var optimization: OptimizationSettings
    /// Seeds the weights and the data order.
    public var seed: UInt64
    /// Save a resumable checkpoint every this many steps (0: only at the end or on interruption).
    public var saveEvery: Int

    public init(
        architecture: String = "gpt2", layers: Int, heads: Int, kvHeads: Int? = nil, width: Int, context: Int,
        batchSize: Int, optimization: OptimizationSettings, seed: UInt64 = 1, saveEvery: Int = 0
    ) {
        self.architecture = architecture
        self.layers = layers
        self.heads = heads
        self.kvHeads = kvHeads ?? heads
        self.width = width
        self.context = context
        self.batchSize = batchSize
        self.optimization = optimization
        self.seed = seed
        self.saveEvery = saveEvery
    }

    /// The model configuration for a tokenizer of `vocabularySize` tokens whose `<|endoftext|>` is `endOfText`.
    public func modelConfig(vocabularySize: Int, endOfText: Int?) throws -> ModelConfig {
        let config: ModelConfig
        switch architecture {
        case "gpt2":
            guard kvHeads == heads else {
                throw TrainingError("--kv-heads is for --arch llama; GPT-2 has one key/value head per query head")
            }
            config = .gpt2(
                vocabularySize: vocabularySize, contextLength: context, layers: layers, heads: heads, width: width,
                bosTokenId: endOfText, eosTokenId: endOfText)
        case "llama":
            // SwiGLU's hidden width: 8/3 of the model width (parameters of a 4× GELU MLP), rounded up to 16.
            let hidden = ((8 * width / 3) + 15) / 16 * 16
            config = .llama(
                vocabularySize: vocabularySize, contextLength: context, layers: layers, heads: heads, kvHeads: kvHeads,
                width: width, intermediateSize: hidden, bosTokenId: endOfText, eosTokenId: endOfText)
        default:
            throw TrainingError("--arch must be gpt2 or llama, not \(architecture)")
        }
        do {
            try config.validate(source: "the model options")
        } catch let error as ModelConfigError {
            throw TrainingError(
                "the model options do not make a valid model: \(error.message) "
                    + "(check --layers, --heads, --kv-heads, --width, --context)")
        }
        return config
    }

    /// Throws a ``TrainingError`` for options that cannot train.
    public func validate() throws {
        for (name, value) in [
            ("--layers", layers), ("--heads", heads), ("--width", width), ("--context", context),
            ("--batch", batchSize), ("--kv-heads", kvHeads),
        ] where value <= 0 {
            throw TrainingError("\(name) must be positive, got \(value)")
        }
        if saveEvery < 0 { throw TrainingError("--save-every must be ≥ 0, got \(saveEvery)") }
        try optimization.validate()
        _ = try modelConfig(vocabularySize: 512, endOfText: nil)  // the shape, checked before any tokenizer work
    }
}

extension PretrainingConfiguration {
    /// The configuration as compact, key-sorted JSON text.
    public var jsonText: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return (try? encoder.encode(self)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }

    /// "name saved → requested" for each differing setting.
    static func differences(_ saved: PretrainingConfiguration, _ requested: PretrainingConfiguration) -> [String] {
        func fields(_ configuration: PretrainingConfiguration) -> [String: String] {
            guard
                let object = try? JSONSerialization.jsonObject(with: Data(configuration.jsonText.utf8))
                    as? [String: Any]
            else { return [:] }
            var flat: [String: String] = [:]
            for (key, value) in object {
                if let nested = value as? [String: Any] {
                    for (inner, innerValue) in nested { flat[inner] = "\(innerValue)" }
                } else {
                    flat[key] = "\(value)"
                }
            }
            return flat
        }
        let before = fields(saved)
        let after = fields(requested)
        let changed = Set(before.keys).union(after.keys).sorted().filter { before[$0] != after[$0] }
        return changed.isEmpty ? ["unknown"] : changed.map { "\($0) \(before[$0] ?? "-") → \(after[$0] ?? "-")" }
    }
}
