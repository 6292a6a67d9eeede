import Foundation

/// Reads a Hugging Face `config.json` the way the engine needs it: newer transformers versions nest
/// `rope_theta` in `rope_parameters`, and some configs describe variants the engine does not build (rotary
/// scaling, biased Llama projections, another activation). Those are refused with the key to blame, since
/// running them as plain GPT-2 or Llama would give wrong outputs without any sign.
enum HuggingFaceConfig {
    /// `config` with `rope_theta` lifted out of `rope_parameters`, or an error naming what the engine cannot run.
    static func normalized(_ config: [String: Any], path: String) throws -> [String: Any] {
        func fail(_ problem: String) -> CheckpointError { CheckpointError(path: path, problem: problem) }
        var config = config
        let modelType = config["model_type"] as? String
        if modelType == "llama" {
            if let parameters = config["rope_parameters"] as? [String: Any] {
                let ropeType = parameters["rope_type"] as? String ?? "default"
                guard ropeType == "default" else {
                    throw fail(
                        "rope_parameters.rope_type is \"\(ropeType)\"; "
                            + "the engine supports only \"default\" rotary embeddings")
                }
                if config["rope_theta"] == nil, let theta = parameters["rope_theta"] { config["rope_theta"] = theta }
            }
            if let scaling = config["rope_scaling"] as? [String: Any] {
                let ropeType = scaling["rope_type"] as? String ?? scaling["type"] as? String ?? "unknown"
                guard ropeType == "default" else {
                    throw fail("rope_scaling is \"\(ropeType)\"; the engine supports only unscaled rotary embeddings")
                }
            }
            for key in ["attention_bias", "mlp_bias"] where config[key] as? Bool == true {
                throw fail("\(key) is true; the engine's Llama has no biases")
            }
            if let activation = config["hidden_act"] as? String, activation != "silu" {
                throw fail("hidden_act is \"\(activation)\"; the engine's Llama uses silu")
            }
            if let headDimension = JSONText.integer(config["head_dim"]),
                let width = JSONText.integer(config["hidden_size"]),
                let heads = JSONText.integer(config["num_attention_heads"]), heads > 0,
                headDimension * heads != width
            {
                throw fail("head_dim \(headDimension) is not hidden_size / num_attention_heads; the engine needs that")
            }
        } else if modelType == "gpt2" {
            if let activation = config["activation_function"] as? String,
                !["gelu_new", "gelu_pytorch_tanh"].contains(activation)
            {
                throw fail("activation_function is \"\(activation)\"; the engine's GPT-2 uses the tanh GELU (gelu_new)")
            }
            if config["scale_attn_by_inverse_layer_idx"] as? Bool == true {
                throw fail("scale_attn_by_inverse_layer_idx is true; the engine's GPT-2 does not scale by layer")
            }
            if config["scale_attn_weights"] as? Bool == false {
                throw fail("scale_attn_weights is false; the engine's GPT-2 always scales attention by 1/√d")
            }
        }
        return config
    }

    /// `configJSON` for a model with a scalar head, as transformers' `GPT2ForSequenceClassification` or
    /// `LlamaForSequenceClassification` with one label reads it: `architectures`, `num_labels` 1 with the
    /// `id2label` / `label2id` transformers writes for it, and `pad_token_id` (kept when the config has one,
    /// else `padTokenID`): transformers reads the score at each row's last token that is not the pad token, and
    /// refuses batches of more than one without it. Keys sorted, pretty printed.
    static func forSequenceClassification(_ configJSON: Data, padTokenID: Int, path: String) throws -> Data {
        var config = try JSONText.object(configJSON, path: path)
        switch config["model_type"] as? String {
        case "gpt2": config["architectures"] = ["GPT2ForSequenceClassification"]
        case "llama": config["architectures"] = ["LlamaForSequenceClassification"]
        default: break
        }
        config["num_labels"] = 1
        config["id2label"] = ["0": "LABEL_0"]
        config["label2id"] = ["LABEL_0": 0]
        if config["pad_token_id"] == nil || config["pad_token_id"] is NSNull { config["pad_token_id"] = padTokenID }
        do {
            return try JSONSerialization.data(withJSONObject: config, options: [.prettyPrinted, .sortedKeys])
        } catch {
            throw CheckpointError(path: path, problem: "cannot be written as JSON (\(error.localizedDescription))")
        }
    }

    /// `configJSON` saying its weights are float32 where it names a dtype (`dtype`, or transformers 4's
    /// `torch_dtype`): transformers loads weights in the dtype the config names, which would round weights Tally
    /// computed in float32 (a merge's W + B·A on a bfloat16 base) back to the base's precision.
    static func declaringFloat32(_ configJSON: Data, path: String) throws -> Data {
        var config = try JSONText.object(configJSON, path: path)
        let keys = ["dtype", "torch_dtype"].filter { config[$0] is String }
        guard !keys.isEmpty else { return configJSON }
        for key in keys { config[key] = "float32" }
        do {
            return try JSONSerialization.data(withJSONObject: config, options: [.prettyPrinted, .sortedKeys])
        } catch {
            throw CheckpointError(path: path, problem: "cannot be written as JSON (\(error.localizedDescription))")
        }
    }

    /// `configJSON` with explicit nulls for absent `bos_token_id` / `eos_token_id`, so transformers does not
    /// fall back to GPT-2's 50256 (outside a small vocabulary); keys sorted, pretty printed.
    static func withExplicitSpecialTokens(_ configJSON: Data, path: String) throws -> Data {
        var config = try JSONText.object(configJSON, path: path)
        for key in ["bos_token_id", "eos_token_id"] where config[key] == nil { config[key] = NSNull() }
        do {
            return try JSONSerialization.data(withJSONObject: config, options: [.prettyPrinted, .sortedKeys])
        } catch {
            throw CheckpointError(path: path, problem: "cannot be written as JSON (\(error.localizedDescription))")
        }
    }
}
