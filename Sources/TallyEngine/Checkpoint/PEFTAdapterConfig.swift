import Foundation

/// The fields of PEFT's `adapter_config.json` that decide what a LoRA adapter computes, read strictly: a
/// variant the engine would run differently from PEFT (DoRA, rsLoRA, per-module ranks, LoRA biases, some
/// layers only, ...) is refused with the field to blame, rather than giving different outputs in silence.
/// Training-only fields (dropout, initialisation) are ignored.
struct PEFTAdapterConfig {
    /// `r`.
    var rank: Int
    /// `lora_alpha`.
    var alpha: Float
    /// `target_modules`: a list of names (a module matches one when its path is the name or ends with "." +
    /// name), one regular expression matched against the whole path, or `all-linear`.
    var targetModules: TargetModules
    /// `exclude_modules`, the same forms; nil when absent.
    var excludeModules: TargetModules?
    /// `task_type`, e.g. CAUSAL_LM or SEQ_CLS.
    var taskType: String?

    enum TargetModules {
        case names([String])
        case pattern(String)
        case allLinear

        init?(_ value: Any?) {
            if let text = value as? String {
                self = text.lowercased() == "all-linear" ? .allLinear : .pattern(text)
            } else if let list = value as? [Any], list.allSatisfy({ $0 is String }) {
                self = .names(list.compactMap { $0 as? String })
            } else {
                return nil
            }
        }

        /// PEFT's rule for a module path (`check_target_module_exists`).
        func matches(_ path: String) -> Bool {
            switch self {
            case .allLinear:
                return true
            case .names(let names):
                return names.contains { path == $0 || path.hasSuffix("." + $0) }
            case .pattern(let pattern):
                guard let expression = try? NSRegularExpression(pattern: "^(?:" + pattern + ")$") else { return false }
                let range = NSRange(path.startIndex..., in: path)
                return expression.firstMatch(in: path, range: range) != nil
            }
        }
    }

    /// Parses `adapter_config.json`; `path` names it in errors, `layers` is the base model's block count.
    init(jsonData data: Data, layers: Int, path: String) throws {
        let object = try JSONText.object(data, path: path)
        func fail(_ problem: String) -> CheckpointError {
            CheckpointError(
                path: path,
                problem: problem + "; Tally cannot run this adapter as PEFT does (merge it into the base weights "
                    + "with peft's merge_and_unload() and use the merged model instead)")
        }
        /// Present with a value that turns something on: not null, false, {} or [].
        func isSet(_ key: String) -> Bool {
            switch object[key] {
            case nil, is NSNull: return false
            case let map as [String: Any]: return !map.isEmpty
            case let list as [Any]: return !list.isEmpty
            case let flag as Bool: return flag
            default: return true
            }
        }

        let peftType = object["peft_type"] as? String
        guard peftType == "LORA" else {
            throw CheckpointError(
                path: path,
                problem: "peft_type is \(peftType.map { "\"\($0)\"" } ?? "missing"); Tally reads LoRA adapters "
                    + "(\"LORA\") only")
        }
        // PEFT's defaults for absent keys: r 8, lora_alpha 8.
        if object["r"] != nil {
            guard let rank = JSONText.integer(object["r"]), rank > 0 else {
                throw CheckpointError(path: path, problem: "r must be a positive whole number")
            }
            self.rank = rank
        } else {
            rank = 8
        }
        if let alpha = object["lora_alpha"] {
            guard let number = alpha as? NSNumber else {
                throw CheckpointError(path: path, problem: "lora_alpha must be a number")
            }
            self.alpha = number.floatValue
        } else {
            alpha = 8
        }
        guard let targets = TargetModules(object["target_modules"]) else {
            throw CheckpointError(
                path: path, problem: "target_modules must be a list of module names or a regular expression")
        }
        targetModules = targets
        excludeModules = isSet("exclude_modules") ? TargetModules(object["exclude_modules"]) : nil
        taskType = object["task_type"] as? String

        if isSet("use_dora") { throw fail("use_dora is true (DoRA)") }
        if isSet("use_rslora") { throw fail("use_rslora is true (rank-stabilised scaling alpha/√r)") }
        if isSet("rank_pattern") { throw fail("rank_pattern gives some modules another rank") }
        if isSet("alpha_pattern") { throw fail("alpha_pattern gives some modules another lora_alpha") }
        if let bias = object["bias"] as? String, bias != "none" { throw fail("bias is \"\(bias)\"") }
        if isSet("lora_bias") { throw fail("lora_bias is true") }
        for key in [
            "layer_replication", "trainable_token_indices", "target_parameters", "alora_invocation_tokens",
            "arrow_config", "use_bdlora", "kasa_config", "monteclora_config", "velora_config",
        ] where isSet(key) {
            throw fail("\(key) is set")
        }
        if let layersToTransform = object["layers_to_transform"], !(layersToTransform is NSNull) {
            let listed: [Int]? =
                (layersToTransform as? [Any])?.compactMap { JSONText.integer($0) }
                ?? JSONText.integer(layersToTransform).map { [$0] }
            guard Set(listed ?? []) == Set(0..<layers) else {
                throw fail("layers_to_transform adapts some blocks only (Tally adapts all \(layers))")
            }
        }
    }

    /// Whether the adapter adapts the module at `path`.
    func adapts(_ path: String) -> Bool {
        targetModules.matches(path) && !(excludeModules?.matches(path) ?? false)
    }

    /// `adapter_config.json` as PEFT 0.21 writes it for the engine's `configuration` on a model of `config`:
    /// `fan_in_fan_out` true for GPT-2 (whose projections are Conv1D), `task_type` SEQ_CLS with
    /// `modules_to_save` ["classifier", "score"] for a model with a scalar head, else CAUSAL_LM. Keys sorted.
    static func jsonData(
        for configuration: LoRAConfiguration, model config: ModelConfig, scalarHead: Bool
    ) throws -> Data {
        let alpha: Any =
            configuration.alpha == configuration.alpha.rounded() && abs(configuration.alpha) < 1e9
            ? Int(configuration.alpha) : (Double(String(configuration.alpha)) ?? Double(configuration.alpha))
        let object: [String: Any] = [
            "alpha_pattern": [String: Any](),
            "auto_mapping": NSNull(),
            "base_model_name_or_path": NSNull(),
            "bias": "none",
            "exclude_modules": NSNull(),
            "fan_in_fan_out": config.architecture == .gpt2,
            "inference_mode": true,
            "init_lora_weights": true,
            "layer_replication": NSNull(),
            "layers_pattern": NSNull(),
            "layers_to_transform": NSNull(),
            "loftq_config": [String: Any](),
            "lora_alpha": alpha,
            "lora_bias": false,
            "lora_dropout": 0.0,
            "megatron_config": NSNull(),
            "megatron_core": "megatron.core",
            "modules_to_save": scalarHead ? ["classifier", "score"] as Any : NSNull(),
            "peft_type": "LORA",
            "r": configuration.rank,
            "rank_pattern": [String: Any](),
            "revision": NSNull(),
            "target_modules": config.peftTargetModuleNames(configuration.targets),
            "target_parameters": NSNull(),
            "task_type": scalarHead ? "SEQ_CLS" : "CAUSAL_LM",
            "trainable_token_indices": NSNull(),
            "use_dora": false,
            "use_rslora": false,
        ]
        do {
            return try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys])
        } catch {
            throw CheckpointError(
                path: PEFTAdapter.FileName.config, problem: "cannot be written as JSON (\(error.localizedDescription))")
        }
    }
}
