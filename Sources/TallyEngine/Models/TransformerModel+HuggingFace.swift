import Foundation

/// How one Hugging Face tensor maps onto the engine's parameter buffer.
struct HuggingFaceMapping {
    enum Layout {
        /// Same values in the same order.
        case identical
        /// HF stores the transpose of the engine's [rows, columns] matrix (GPT-2's Conv1D weights).
        case transposed(rows: Int, columns: Int)
    }
    var name: String
    /// The shape under the HF name.
    var shape: [Int]
    /// Offset of the first float in the engine's buffer (a slice of rows for split projections).
    var offset: Int
    var layout: Layout
    var count: Int { shape.reduce(1, *) }
}

extension TransformerModel {
    /// The model's tensors under Hugging Face names and layouts (`GPT2LMHeadModel` or `LlamaForCausalLM`),
    /// ready for a safetensors file that transformers loads. A scalar head is `score.weight` [1, C].
    public func huggingFaceTensors() -> [TensorEntry] {
        huggingFaceMappings().map { mapping in
            var values = [Float](repeating: 0, count: mapping.count)
            let source = parameters + mapping.offset
            switch mapping.layout {
            case .identical:
                for i in 0..<mapping.count { values[i] = source[i] }
            case .transposed(let rows, let columns):
                for r in 0..<rows {
                    for c in 0..<columns { values[c * rows + r] = source[r * columns + c] }
                }
            }
            return TensorEntry(name: mapping.name, shape: mapping.shape, values: values)
        }
    }

    /// Loads weights from tensors under Hugging Face names (as ``huggingFaceTensors()`` writes them; GPT-2
    /// names may also lack the `transformer.` prefix, as in the original OpenAI checkpoints). Tensors the
    /// model has no use for (e.g. a tied `lm_head.weight`, attention-mask buffers) are ignored. Throws, before
    /// changing anything, naming the first tensor that is missing or has the wrong shape.
    public func loadHuggingFaceTensors(_ tensors: [String: TensorEntry]) throws {
        try loadHuggingFaceTensors(tensors, optional: [])
    }

    /// ``loadHuggingFaceTensors(_:)``, leaving the tensors named in `optional` as they are when absent (a fresh
    /// scalar head, or one a PEFT adapter brings).
    func loadHuggingFaceTensors(_ tensors: [String: TensorEntry], optional: Set<String>) throws {
        let mappings = huggingFaceMappings().filter { tensors[$0.name] != nil || !optional.contains($0.name) }
        var found: [TensorEntry] = []
        for mapping in mappings {
            let candidate =
                tensors[mapping.name]
                ?? (mapping.name.hasPrefix("transformer.") ? tensors[String(mapping.name.dropFirst(12))] : nil)
            guard let entry = candidate else {
                throw EngineError.invalidTensor("\"\(mapping.name)\" is missing (expected shape \(mapping.shape))")
            }
            guard entry.shape == mapping.shape, entry.values.count == mapping.count else {
                throw EngineError.invalidTensor(
                    "\"\(mapping.name)\" has shape \(entry.shape) with \(entry.values.count) values; "
                        + "this model (\(config.modelType), width \(config.width)) needs \(mapping.shape)")
            }
            found.append(entry)
        }
        for (mapping, entry) in zip(mappings, found) {
            let target = parameters + mapping.offset
            switch mapping.layout {
            case .identical:
                for i in 0..<mapping.count { target[i] = entry.values[i] }
            case .transposed(let rows, let columns):
                for r in 0..<rows {
                    for c in 0..<columns { target[r * columns + c] = entry.values[c * rows + r] }
                }
            }
        }
    }

    func huggingFaceMappings() -> [HuggingFaceMapping] {
        let C = config.width
        var result: [HuggingFaceMapping] = []
        func plain(_ name: String, _ shape: [Int], _ offset: Int) {
            result.append(HuggingFaceMapping(name: name, shape: shape, offset: offset, layout: .identical))
        }
        if config.architecture == .gpt2 {
            let qkvWidth = 3 * C
            let hidden = config.mlpWidth
            func conv1D(_ name: String, inDim: Int, outDim: Int, _ offset: Int) {
                result.append(
                    HuggingFaceMapping(
                        name: name, shape: [inDim, outDim], offset: offset,
                        layout: .transposed(rows: outDim, columns: inDim)))
            }
            plain("transformer.wte.weight", [config.vocabSize, C], layout.tokenEmbedding)
            plain("transformer.wpe.weight", [config.contextLength, C], layout.positionEmbedding)
            for (l, w) in layout.layers.enumerated() {
                let p = "transformer.h.\(l)."
                plain(p + "ln_1.weight", [C], w.norm1Weight)
                plain(p + "ln_1.bias", [C], w.norm1Bias)
                conv1D(p + "attn.c_attn.weight", inDim: C, outDim: qkvWidth, w.qkvWeight)
                plain(p + "attn.c_attn.bias", [qkvWidth], w.qkvBias)
                conv1D(p + "attn.c_proj.weight", inDim: C, outDim: C, w.attentionProjectionWeight)
                plain(p + "attn.c_proj.bias", [C], w.attentionProjectionBias)
                plain(p + "ln_2.weight", [C], w.norm2Weight)
                plain(p + "ln_2.bias", [C], w.norm2Bias)
                conv1D(p + "mlp.c_fc.weight", inDim: C, outDim: hidden, w.fcWeight)
                plain(p + "mlp.c_fc.bias", [hidden], w.fcBias)
                conv1D(p + "mlp.c_proj.weight", inDim: hidden, outDim: C, w.fcProjectionWeight)
                plain(p + "mlp.c_proj.bias", [C], w.fcProjectionBias)
            }
            plain("transformer.ln_f.weight", [C], layout.finalNormWeight)
            plain("transformer.ln_f.bias", [C], layout.finalNormBias)
        } else {
            let hs = config.headSize
            let qRows = config.heads * hs
            let kvRows = config.kvHeads * hs
            let hidden = config.mlpWidth
            plain("model.embed_tokens.weight", [config.vocabSize, C], layout.tokenEmbedding)
            for (l, w) in layout.layers.enumerated() {
                let p = "model.layers.\(l)."
                plain(p + "input_layernorm.weight", [C], w.norm1Weight)
                plain(p + "self_attn.q_proj.weight", [qRows, C], w.qkvWeight)
                plain(p + "self_attn.k_proj.weight", [kvRows, C], w.qkvWeight + qRows * C)
                plain(p + "self_attn.v_proj.weight", [kvRows, C], w.qkvWeight + (qRows + kvRows) * C)
                plain(p + "self_attn.o_proj.weight", [C, qRows], w.attentionProjectionWeight)
                plain(p + "post_attention_layernorm.weight", [C], w.norm2Weight)
                plain(p + "mlp.gate_proj.weight", [hidden, C], w.fcWeight)
                plain(p + "mlp.up_proj.weight", [hidden, C], w.fcWeight + hidden * C)
                plain(p + "mlp.down_proj.weight", [C, hidden], w.fcProjectionWeight)
            }
            plain("model.norm.weight", [C], layout.finalNormWeight)
            if !config.tiedEmbeddings { plain("lm_head.weight", [config.vocabSize, C], layout.languageModelHead) }
        }
        if layout.scalarHead >= 0 { plain("score.weight", [1, C], layout.scalarHead) }
        return result
    }
}
