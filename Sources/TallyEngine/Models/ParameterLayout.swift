/// A set of parameters that can be frozen together (no gradient, no update).
public enum ParameterGroup: Hashable, Sendable {
    /// Token embeddings (and GPT-2's position embeddings).
    case embeddings
    /// One transformer block.
    case layer(Int)
    /// The final normalisation.
    case finalNorm
    /// The untied output projection (Llama's `lm_head`); tied models have none.
    case languageModelHead
    /// The scalar head used for rewards and values.
    case scalarHead
}

/// One parameter tensor: where it lives in the flat parameter buffer and how it is trained.
public struct ParameterSlot: Sendable {
    /// An internal name (``TransformerModel/huggingFaceTensors()`` maps to Hugging Face names).
    public var name: String
    /// The engine's layout: linear weights are [out, in] like nn.Linear.
    public var shape: [Int]
    /// Offset in floats into the parameter (and gradient) buffer.
    public var offset: Int
    /// Number of floats.
    public var count: Int { shape.reduce(1, *) }
    /// The group that freezes it.
    public var group: ParameterGroup
    /// Whether AdamW applies weight decay (matrices yes; biases, norms, embeddings' 1-D parts no).
    public var decays: Bool
}

/// Offsets of one block's tensors in the parameter buffer; -1 where the architecture has none.
struct LayerOffsets {
    var norm1Weight = -1, norm1Bias = -1
    var qkvWeight = -1, qkvBias = -1
    var attentionProjectionWeight = -1, attentionProjectionBias = -1
    var norm2Weight = -1, norm2Bias = -1
    var fcWeight = -1, fcBias = -1
    var fcProjectionWeight = -1, fcProjectionBias = -1
}

/// Every parameter of a model, laid out in one flat buffer: embeddings, blocks, final norm, heads.
struct ParameterLayout {
    var slots: [ParameterSlot] = []
    var layers: [LayerOffsets] = []
    var tokenEmbedding = -1
    var positionEmbedding = -1
    var finalNormWeight = -1
    var finalNormBias = -1
    /// The output projection; for tied models the token embedding.
    var languageModelHead = -1
    var scalarHead = -1
    var count = 0

    init(config: ModelConfig, scalarHead withScalarHead: Bool) {
        let C = config.width
        let qkvRows = config.qkvWidth
        let gpt2 = config.architecture == .gpt2
        let mlpRows = config.fcWidth
        let mlpInner = config.mlpWidth

        tokenEmbedding = add("wte", [config.vocabSize, C], .embeddings, decays: true)
        if gpt2 { positionEmbedding = add("wpe", [config.contextLength, C], .embeddings, decays: true) }
        for l in 0..<config.layers {
            var o = LayerOffsets()
            let g = ParameterGroup.layer(l)
            o.norm1Weight = add("h.\(l).norm1.weight", [C], g, decays: false)
            if gpt2 { o.norm1Bias = add("h.\(l).norm1.bias", [C], g, decays: false) }
            o.qkvWeight = add("h.\(l).qkv.weight", [qkvRows, C], g, decays: true)
            if gpt2 { o.qkvBias = add("h.\(l).qkv.bias", [qkvRows], g, decays: false) }
            o.attentionProjectionWeight = add(
                "h.\(l).attn_proj.weight", [C, config.attentionWidth], g,
                decays: true)
            if gpt2 { o.attentionProjectionBias = add("h.\(l).attn_proj.bias", [C], g, decays: false) }
            o.norm2Weight = add("h.\(l).norm2.weight", [C], g, decays: false)
            if gpt2 { o.norm2Bias = add("h.\(l).norm2.bias", [C], g, decays: false) }
            o.fcWeight = add("h.\(l).fc.weight", [mlpRows, C], g, decays: true)
            if gpt2 { o.fcBias = add("h.\(l).fc.bias", [mlpRows], g, decays: false) }
            o.fcProjectionWeight = add("h.\(l).fc_proj.weight", [C, mlpInner], g, decays: true)
            if gpt2 { o.fcProjectionBias = add("h.\(l).fc_proj.bias", [C], g, decays: false) }
            layers.append(o)
        }
        finalNormWeight = add("norm_f.weight", [C], .finalNorm, decays: false)
        if gpt2 { finalNormBias = add("norm_f.bias", [C], .finalNorm, decays: false) }
        if config.tiedEmbeddings {
            languageModelHead = tokenEmbedding
        } else {
            languageModelHead = add("lm_head.weight", [config.vocabSize, C], .languageModelHead, decays: true)
        }
        if withScalarHead { scalarHead = add("score.weight", [1, C], .scalarHead, decays: false) }
    }

    private mutating func add(_ name: String, _ shape: [Int], _ group: ParameterGroup, decays: Bool) -> Int {
        let offset = count
        slots.append(ParameterSlot(name: name, shape: shape, offset: offset, group: group, decays: decays))
        count += shape.reduce(1, *)
        return offset
    }
}
