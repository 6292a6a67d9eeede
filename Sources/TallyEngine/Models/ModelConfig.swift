import Foundation

/// A model's shape in Hugging Face `config.json` terms, for GPT-2 (`model_type: "gpt2"`) and Llama
/// (`model_type: "llama"`). Decoding reads the keys transformers writes; encoding writes them back, so
/// a checkpoint folder's `config.json` loads in either direction.
///
/// ```swift
/// let config = ModelConfig.gpt2(vocabularySize: 65, contextLength: 64, layers: 4, heads: 4, width: 128)
/// let json = try JSONEncoder().encode(config)     // {"model_type":"gpt2","n_embd":128,...}
/// let back = try ModelConfig.decode(json, source: "config.json")
/// ```
public struct ModelConfig: Codable, Equatable, Sendable {
    /// The two transformer families the engine runs.
    public enum Architecture: String, Sendable {
        /// Learned positions, pre-LayerNorm, GELU-tanh MLP, biases, tied embeddings.
        case gpt2
        /// Rotary positions, RMSNorm, SwiGLU MLP, no biases, grouped-query attention, untied head by default.
        case llama
    }

    /// `model_type`: "gpt2" or "llama".
    public var modelType: String
    /// `vocab_size`.
    public var vocabSize: Int

    // GPT-2 keys.
    public var nPositions: Int?
    public var nEmbd: Int?
    public var nLayer: Int?
    public var nHead: Int?
    /// `n_inner`: the MLP width; nil means 4 × n_embd.
    public var nInner: Int?
    public var layerNormEpsilon: Float?

    // Llama keys.
    public var hiddenSize: Int?
    public var intermediateSize: Int?
    public var numHiddenLayers: Int?
    public var numAttentionHeads: Int?
    public var numKeyValueHeads: Int?
    public var maxPositionEmbeddings: Int?
    public var rmsNormEps: Float?
    public var ropeTheta: Double?
    public var tieWordEmbeddings: Bool?

    public var bosTokenId: Int?
    /// `eos_token_id`; Hugging Face allows one id or a list, both are read.
    public var eosTokenIds: [Int]
    /// `pad_token_id`: the token transformers' sequence-classification models skip when they look for a
    /// row's last token (the engine reads the attention mask instead).
    public var padTokenId: Int?

    enum CodingKeys: String, CodingKey {
        case modelType = "model_type", vocabSize = "vocab_size"
        case nPositions = "n_positions", nEmbd = "n_embd", nLayer = "n_layer", nHead = "n_head", nInner = "n_inner"
        case layerNormEpsilon = "layer_norm_epsilon"
        case hiddenSize = "hidden_size", intermediateSize = "intermediate_size"
        case numHiddenLayers = "num_hidden_layers", numAttentionHeads = "num_attention_heads"
        case numKeyValueHeads = "num_key_value_heads", maxPositionEmbeddings = "max_position_embeddings"
        case rmsNormEps = "rms_norm_eps", ropeTheta = "rope_theta", tieWordEmbeddings = "tie_word_embeddings"
        case bosTokenId = "bos_token_id", eosTokenId = "eos_token_id", padTokenId = "pad_token_id"
        case architectures, activationFunction = "activation_function", hiddenAct = "hidden_act"
    }

    /// A GPT-2 configuration (HF `GPT2LMHeadModel`).
    public static func gpt2(
        vocabularySize: Int, contextLength: Int, layers: Int, heads: Int, width: Int,
        layerNormEpsilon: Float = 1e-5, bosTokenId: Int? = nil, eosTokenId: Int? = nil
    ) -> ModelConfig {
        var config = ModelConfig(modelType: "gpt2", vocabSize: vocabularySize)
        config.nPositions = contextLength
        config.nEmbd = width
        config.nLayer = layers
        config.nHead = heads
        config.layerNormEpsilon = layerNormEpsilon
        config.bosTokenId = bosTokenId
        config.eosTokenIds = eosTokenId.map { [$0] } ?? []
        return config
    }

    /// A Llama configuration (HF `LlamaForCausalLM`).
    public static func llama(
        vocabularySize: Int, contextLength: Int, layers: Int, heads: Int, kvHeads: Int, width: Int,
        intermediateSize: Int, rmsNormEpsilon: Float = 1e-5, ropeTheta: Double = 10_000,
        tieWordEmbeddings: Bool = false, bosTokenId: Int? = nil, eosTokenId: Int? = nil
    ) -> ModelConfig {
        var config = ModelConfig(modelType: "llama", vocabSize: vocabularySize)
        config.maxPositionEmbeddings = contextLength
        config.hiddenSize = width
        config.numHiddenLayers = layers
        config.numAttentionHeads = heads
        config.numKeyValueHeads = kvHeads
        config.intermediateSize = intermediateSize
        config.rmsNormEps = rmsNormEpsilon
        config.ropeTheta = ropeTheta
        config.tieWordEmbeddings = tieWordEmbeddings
        config.bosTokenId = bosTokenId
        config.eosTokenIds = eosTokenId.map { [$0] } ?? []
        return config
    }

    init(modelType: String, vocabSize: Int) {
        self.modelType = modelType
        self.vocabSize = vocabSize
        self.eosTokenIds = []
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        modelType = try c.decode(String.self, forKey: .modelType)
        vocabSize = try c.decode(Int.self, forKey: .vocabSize)
        nPositions = try c.decodeIfPresent(Int.self, forKey: .nPositions)
        nEmbd = try c.decodeIfPresent(Int.self, forKey: .nEmbd)
        nLayer = try c.decodeIfPresent(Int.self, forKey: .nLayer)
        nHead = try c.decodeIfPresent(Int.self, forKey: .nHead)
        nInner = try c.decodeIfPresent(Int.self, forKey: .nInner)
        layerNormEpsilon = try c.decodeIfPresent(Float.self, forKey: .layerNormEpsilon)
        hiddenSize = try c.decodeIfPresent(Int.self, forKey: .hiddenSize)
        intermediateSize = try c.decodeIfPresent(Int.self, forKey: .intermediateSize)
        numHiddenLayers = try c.decodeIfPresent(Int.self, forKey: .numHiddenLayers)
        numAttentionHeads = try c.decodeIfPresent(Int.self, forKey: .numAttentionHeads)
        numKeyValueHeads = try c.decodeIfPresent(Int.self, forKey: .numKeyValueHeads)
        maxPositionEmbeddings = try c.decodeIfPresent(Int.self, forKey: .maxPositionEmbeddings)
        rmsNormEps = try c.decodeIfPresent(Float.self, forKey: .rmsNormEps)
        ropeTheta = try c.decodeIfPresent(Double.self, forKey: .ropeTheta)
        tieWordEmbeddings = try c.decodeIfPresent(Bool.self, forKey: .tieWordEmbeddings)
        bosTokenId = try c.decodeIfPresent(Int.self, forKey: .bosTokenId)
        padTokenId = try c.decodeIfPresent(Int.self, forKey: .padTokenId)
        if let single = try? c.decodeIfPresent(Int.self, forKey: .eosTokenId) {
            eosTokenIds = [single]
        } else {
            eosTokenIds = try c.decodeIfPresent([Int].self, forKey: .eosTokenId) ?? []
        }
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(modelType, forKey: .modelType)
        try c.encode(vocabSize, forKey: .vocabSize)
        try c.encodeIfPresent(nPositions, forKey: .nPositions)
        try c.encodeIfPresent(nEmbd, forKey: .nEmbd)
        try c.encodeIfPresent(nLayer, forKey: .nLayer)
        try c.encodeIfPresent(nHead, forKey: .nHead)
        try c.encodeIfPresent(nInner, forKey: .nInner)
        try c.encodeIfPresent(layerNormEpsilon, forKey: .layerNormEpsilon)
        try c.encodeIfPresent(hiddenSize, forKey: .hiddenSize)
        try c.encodeIfPresent(intermediateSize, forKey: .intermediateSize)
        try c.encodeIfPresent(numHiddenLayers, forKey: .numHiddenLayers)
        try c.encodeIfPresent(numAttentionHeads, forKey: .numAttentionHeads)
        try c.encodeIfPresent(numKeyValueHeads, forKey: .numKeyValueHeads)
        try c.encodeIfPresent(maxPositionEmbeddings, forKey: .maxPositionEmbeddings)
        try c.encodeIfPresent(rmsNormEps, forKey: .rmsNormEps)
        try c.encodeIfPresent(ropeTheta, forKey: .ropeTheta)
        try c.encodeIfPresent(tieWordEmbeddings, forKey: .tieWordEmbeddings)
        try c.encodeIfPresent(bosTokenId, forKey: .bosTokenId)
        try c.encodeIfPresent(padTokenId, forKey: .padTokenId)
        if eosTokenIds.count == 1 {
            try c.encode(eosTokenIds[0], forKey: .eosTokenId)
        } else if !eosTokenIds.isEmpty {
            try c.encode(eosTokenIds, forKey: .eosTokenId)
        }
        switch architecture {
        case .gpt2?:
            try c.encode(["GPT2LMHeadModel"], forKey: .architectures)
            try c.encode("gelu_new", forKey: .activationFunction)
        case .llama?:
            try c.encode(["LlamaForCausalLM"], forKey: .architectures)
            try c.encode("silu", forKey: .hiddenAct)
        case nil:
            break
        }
    }

    /// Decodes a `config.json`, validating it; errors name `source` and the offending key.
    public static func decode(_ data: Data, source: String) throws -> ModelConfig {
        let config: ModelConfig
        do {
            config = try JSONDecoder().decode(ModelConfig.self, from: data)
        } catch let DecodingError.keyNotFound(key, _) {
            throw ModelConfigError(source: source, message: "\"\(key.stringValue)\" is missing")
        } catch {
            throw ModelConfigError(source: source, message: "not a valid config.json: \(JSONProblem.describe(error))")
        }
        try config.validate(source: source)
        return config
    }

    // MARK: Derived shape, the same names for both families.

    /// The family, or nil for a `model_type` the engine does not run.
    public var architecture: Architecture? { Architecture(rawValue: modelType) }
    /// Model width C.
    public var width: Int { (architecture == .llama ? hiddenSize : nEmbd) ?? 0 }
    /// Number of transformer blocks L.
    public var layers: Int { (architecture == .llama ? numHiddenLayers : nLayer) ?? 0 }
    /// Query heads.
    public var heads: Int { (architecture == .llama ? numAttentionHeads : nHead) ?? 0 }
    /// Key/value heads (grouped-query attention); GPT-2 has one per query head.
    public var kvHeads: Int { architecture == .llama ? (numKeyValueHeads ?? heads) : heads }
    /// The longest sequence the model takes.
    public var contextLength: Int { (architecture == .llama ? maxPositionEmbeddings : nPositions) ?? 0 }
    /// The MLP's hidden width: 4C for GPT-2 unless n_inner says otherwise; intermediate_size for Llama.
    public var mlpWidth: Int { architecture == .llama ? (intermediateSize ?? 0) : (nInner ?? 4 * width) }
    /// The normalisation epsilon.
    public var normEpsilon: Float { (architecture == .llama ? rmsNormEps : layerNormEpsilon) ?? 1e-5 }
    /// Whether the output head shares the token embedding matrix (always for GPT-2).
    public var tiedEmbeddings: Bool { architecture == .llama ? (tieWordEmbeddings ?? false) : true }
    /// Width of each attention head.
    public var headSize: Int { heads > 0 ? width / heads : 0 }
    /// Width of the attention heads' output, side by side (the attention projection's input).
    var attentionWidth: Int { heads * headSize }
    /// Width of the fused query, key and value projection's output.
    var qkvWidth: Int { (heads + 2 * kvHeads) * headSize }
    /// Width of the MLP's first projection: the hidden width for GPT-2, gate and up side by side for Llama.
    var fcWidth: Int { architecture == .gpt2 ? mlpWidth : 2 * mlpWidth }

    /// Checks that the shape is one the engine can build.
    public func validate(source: String = "config.json") throws {
        func fail(_ message: String) throws { throw ModelConfigError(source: source, message: message) }
        guard let architecture else {
            return try fail("model_type \"\(modelType)\" is not supported (use \"gpt2\" or \"llama\")")
        }
        let keys: (String, String, String, String, String) =
            architecture == .gpt2
            ? ("n_embd", "n_layer", "n_head", "n_positions", "n_inner")
            : (
                "hidden_size", "num_hidden_layers", "num_attention_heads", "max_position_embeddings",
                "intermediate_size"
            )
        if vocabSize <= 0 { try fail("vocab_size must be positive") }
        if width <= 0 { try fail("\(keys.0) must be positive") }
        if layers <= 0 { try fail("\(keys.1) must be positive") }
        if heads <= 0 { try fail("\(keys.2) must be positive") }
        if contextLength <= 0 { try fail("\(keys.3) must be positive") }
        if mlpWidth <= 0 { try fail("\(keys.4) must be positive") }
        if width % heads != 0 { try fail("\(keys.0) (\(width)) is not divisible by \(keys.2) (\(heads))") }
        if kvHeads <= 0 || heads % kvHeads != 0 {
            try fail("num_attention_heads (\(heads)) is not divisible by num_key_value_heads (\(kvHeads))")
        }
        if architecture == .llama && headSize % 2 != 0 { try fail("rotary embeddings need an even head size") }
        for id in eosTokenIds + [bosTokenId, padTokenId].compactMap({ $0 }) where id < 0 || id >= vocabSize {
            try fail("token id \(id) is outside the vocabulary (vocab_size \(vocabSize))")
        }
    }
}

/// A `config.json` the engine cannot use, with the file and the reason.
public struct ModelConfigError: Error, CustomStringConvertible, Equatable {
    public var source: String
    public var message: String
    public var description: String { "\(source): \(message)" }
}
