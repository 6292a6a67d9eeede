import Foundation
import Testing

@testable import TallyEngine

@Suite struct CheckpointTensorTests {
    @Test(arguments: [TinyConfigs.gpt2, TinyConfigs.llama])
    func huggingFaceTensorsRoundTripBitForBit(config: ModelConfig) throws {
        let source = try TransformerModel(config: config, seed: 1, scalarHead: true)
        let target = try TransformerModel(config: config, seed: 2, scalarHead: true)
        let entries = source.huggingFaceTensors()
        try target.loadHuggingFaceTensors(Dictionary(uniqueKeysWithValues: entries.map { ($0.name, $0) }))
        #expect(memcmp(source.parameters, target.parameters, source.parameterCount * 4) == 0)
        #expect(entries.reduce(0) { $0 + $1.count } <= source.parameterCount)
        for entry in entries { #expect(entry.count == entry.values.count, "\(entry.name)") }
    }

    @Test func gpt2UsesConv1DLayout() throws {
        let config = TinyConfigs.gpt2
        let model = try TransformerModel(config: config, seed: 1)
        let entries = Dictionary(uniqueKeysWithValues: model.huggingFaceTensors().map { ($0.name, $0) })
        let cAttn = try #require(entries["transformer.h.0.attn.c_attn.weight"])
        let C = config.width
        #expect(cAttn.shape == [C, 3 * C])
        // HF Conv1D: y = x · W with W [in, out]; the engine's weight is [out, in].
        let offset = model.parameterSlots.first { $0.name == "h.0.qkv.weight" }!.offset
        for out in [0, 5, 3 * C - 1] {
            for inp in [0, 3, C - 1] {
                #expect(cAttn.values[inp * 3 * C + out] == model.parameters[offset + out * C + inp])
            }
        }
        #expect(entries["transformer.wte.weight"]?.shape == [11, 8])
        #expect(entries["lm_head.weight"] == nil, "GPT-2's head is tied to wte")
        #expect(entries.keys.contains("transformer.h.1.mlp.c_proj.bias"))
    }

    @Test func llamaUsesItsNames() throws {
        let model = try TransformerModel(config: TinyConfigs.llama, seed: 1)
        let entries = Dictionary(uniqueKeysWithValues: model.huggingFaceTensors().map { ($0.name, $0) })
        #expect(entries["model.layers.0.self_attn.q_proj.weight"]?.shape == [8, 8])
        #expect(entries["model.layers.0.self_attn.k_proj.weight"]?.shape == [4, 8])
        #expect(entries["model.layers.1.mlp.gate_proj.weight"]?.shape == [12, 8])
        #expect(entries["model.layers.1.mlp.down_proj.weight"]?.shape == [8, 12])
        #expect(entries["lm_head.weight"]?.shape == [13, 8])
        #expect(entries["model.norm.weight"] != nil)
    }

    @Test func missingOrMisshapenTensorsAreNamed() throws {
        let model = try TransformerModel(config: TinyConfigs.gpt2, seed: 1)
        var entries = Dictionary(uniqueKeysWithValues: model.huggingFaceTensors().map { ($0.name, $0) })
        entries["transformer.ln_f.bias"] = nil
        #expect(throws: EngineError.invalidTensor("\"transformer.ln_f.bias\" is missing (expected shape [8])")) {
            try model.loadHuggingFaceTensors(entries)
        }
        entries["transformer.ln_f.bias"] = TensorEntry(
            name: "transformer.ln_f.bias", shape: [9],
            values: Array(repeating: 0, count: 9))
        #expect(throws: EngineError.self) { try model.loadHuggingFaceTensors(entries) }
    }

    @Test func configJSONUsesHuggingFaceKeys() throws {
        let json = """
            {"model_type": "llama", "vocab_size": 32000, "hidden_size": 64, "intermediate_size": 172,
             "num_hidden_layers": 2, "num_attention_heads": 4, "num_key_value_heads": 2,
             "max_position_embeddings": 128, "rms_norm_eps": 1e-6, "rope_theta": 10000.0,
             "tie_word_embeddings": false, "bos_token_id": 1, "eos_token_id": [2, 3]}
            """
        let config = try ModelConfig.decode(Data(json.utf8), source: "config.json")
        #expect(config.architecture == .llama && config.width == 64 && config.kvHeads == 2 && config.headSize == 16)
        #expect(config.eosTokenIds == [2, 3] && config.normEpsilon == 1e-6)
        let again = try ModelConfig.decode(try JSONEncoder().encode(config), source: "again")
        #expect(again == config)
        let gpt2 = try JSONEncoder().encode(TinyConfigs.gpt2)
        let text = String(decoding: gpt2, as: UTF8.self)
        #expect(text.contains("\"n_embd\":8") && text.contains("\"GPT2LMHeadModel\""))
        #expect(throws: ModelConfigError(source: "bad.json", message: "n_embd (10) is not divisible by n_head (4)")) {
            try ModelConfig.decode(
                Data(#"{"model_type":"gpt2","vocab_size":5,"n_embd":10,"n_layer":1,"n_head":4,"n_positions":8}"#.utf8),
                source: "bad.json")
        }
        #expect(throws: ModelConfigError(source: "c.json", message: "\"vocab_size\" is missing")) {
            try ModelConfig.decode(Data(#"{"model_type":"gpt2"}"#.utf8), source: "c.json")
        }
    }
}
