/// One module PEFT adapts, as the engine holds it: a slice of the rows of one LoRA target's B (and of the
/// base weight it adapts). GPT-2's `c_attn` is the whole fused attention projection; Llama's `q_proj`,
/// `k_proj` and `v_proj` are row slices of it, each with its own B rows and the fused A shared by all three.
struct PEFTModule {
    /// The engine's adapter this module is part of.
    var target: LoRATarget
    /// The block.
    var layer: Int
    /// The module's path in the transformers model, e.g. `transformer.h.0.attn.c_attn`.
    var path: String
    /// The rows of the engine's B [out, rank] this module's `lora_B` holds.
    var rows: Range<Int>

    /// The prefix PEFT puts before a module path in `adapter_model.safetensors` (`PeftModel.base_model` is
    /// the LoRA model, whose `model` is the transformers model).
    static let tensorPrefix = "base_model.model."
    /// The trained scalar head, saved whole (PEFT's `modules_to_save` for `task_type` SEQ_CLS).
    static let scoreTensorName = tensorPrefix + "score.weight"

    /// The module's own name, the last part of its path (`c_attn`, `q_proj`).
    var name: String { String(path.split(separator: ".").last ?? "") }

    /// `base_model.model.<path>.lora_A.weight` [rank, in].
    var loraAName: String { Self.tensorPrefix + path + ".lora_A.weight" }
    /// `base_model.model.<path>.lora_B.weight` [out, rank].
    var loraBName: String { Self.tensorPrefix + path + ".lora_B.weight" }
}

extension ModelConfig {
    /// The transformers modules that the engine's adapter `target` of block `layer` stands for, in row order.
    func peftModules(_ target: LoRATarget, layer: Int) -> [PEFTModule] {
        func module(_ path: String, _ rows: Range<Int>) -> PEFTModule {
            PEFTModule(target: target, layer: layer, path: path, rows: rows)
        }
        let C = width
        if architecture == .gpt2 {
            let p = "transformer.h.\(layer)."
            switch target {
            case .attention: return [module(p + "attn.c_attn", 0..<qkvWidth)]
            case .attentionOutput: return [module(p + "attn.c_proj", 0..<C)]
            case .mlpUp: return [module(p + "mlp.c_fc", 0..<fcWidth)]
            case .mlpDown: return [module(p + "mlp.c_proj", 0..<C)]
            }
        }
        let p = "model.layers.\(layer)."
        let qRows = heads * headSize
        let kvRows = kvHeads * headSize
        let hidden = mlpWidth
        switch target {
        case .attention:
            return [
                module(p + "self_attn.q_proj", 0..<qRows),
                module(p + "self_attn.k_proj", qRows..<(qRows + kvRows)),
                module(p + "self_attn.v_proj", (qRows + kvRows)..<(qRows + 2 * kvRows)),
            ]
        case .attentionOutput: return [module(p + "self_attn.o_proj", 0..<C)]
        case .mlpUp: return [module(p + "mlp.gate_proj", 0..<hidden), module(p + "mlp.up_proj", hidden..<(2 * hidden))]
        case .mlpDown: return [module(p + "mlp.down_proj", 0..<C)]
        }
    }

    /// Every module of every block that LoRA can adapt.
    var allPEFTModules: [PEFTModule] {
        (0..<layers).flatMap { layer in LoRATarget.allCases.flatMap { peftModules($0, layer: layer) } }
    }

    /// The shortest `target_modules` names that select exactly `targets`' modules under PEFT's rule (a name
    /// matches a module whose path is the name or ends with "." + name): a module's own name (`c_attn`,
    /// `q_proj`), or its last two path parts where the name alone would also pick an untargeted module
    /// (GPT-2's `attn.c_proj` and `mlp.c_proj`). Sorted.
    func peftTargetModuleNames(_ targets: Set<LoRATarget>) -> [String] {
        let modules = LoRATarget.allCases.flatMap { peftModules($0, layer: 0) }
        let untargeted = modules.filter { !targets.contains($0.target) }.map(\.path)
        var names = Set<String>()
        for module in modules where targets.contains(module.target) {
            let parts = module.path.split(separator: ".")
            let short = String(parts[parts.count - 1])
            let clashes = untargeted.contains { $0.hasSuffix("." + short) }
            names.insert(clashes ? parts.suffix(2).joined(separator: ".") : short)
        }
        return names.sorted()
    }
}
