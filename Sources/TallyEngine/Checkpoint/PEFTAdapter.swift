import Foundation

/// LoRA adapters as Hugging Face PEFT saves them: `adapter_config.json` and `adapter_model.safetensors`
/// with PEFT's tensor names (`base_model.model.transformer.h.0.attn.c_attn.lora_A.weight` [r, in],
/// `...lora_B.weight` [out, r]; for Llama `...self_attn.q_proj.lora_A.weight` and so on per projection).
///
/// A ``Checkpoint`` of a model with LoRA attached holds one beside its un-merged base weights, so the folder
/// loads in PEFT (`PeftModel.from_pretrained(base, folder)`) and back in Tally with the adapters attached.
/// The engine adapts Llama's q/k/v projections with one shared A (likewise gate/up), so it writes that A
/// under each of the split names and reads only adapters whose split projections share one A.
///
/// A model with a scalar head writes `task_type` SEQ_CLS and its trained `score.weight` under
/// `base_model.model.score.weight`, as PEFT saves a `modules_to_save` head.
///
/// ```swift
/// let adapter = try PEFTAdapter(model: model)          // model.lora must be attached
/// adapter.tensors.map(\.name)   // ["base_model.model.transformer.h.0.attn.c_attn.lora_A.weight", ...]
/// ```
public struct PEFTAdapter: Sendable {
    /// File names of an adapter inside a folder.
    public enum FileName {
        public static let config = "adapter_config.json"
        public static let model = "adapter_model.safetensors"
        /// What older PEFT versions wrote instead of safetensors (a pickle, which Tally does not read).
        public static let pickledModel = "adapter_model.bin"
    }

    /// The contents of `adapter_config.json`.
    public var configJSON: Data
    /// The tensors of `adapter_model.safetensors`, under PEFT's names.
    public var tensors: [TensorEntry]
    /// The folder the adapter was read from (nil for one made in memory), for error messages.
    public var folder: URL?

    /// Makes an adapter from a config and tensors.
    public init(configJSON: Data, tensors: [TensorEntry]) {
        self.configJSON = configJSON
        self.tensors = tensors
    }

    /// The LoRA adapters attached to `model`, under PEFT's names, with the `adapter_config.json` PEFT writes
    /// for them (``LoRAConfiguration``'s rank as `r`, alpha as `lora_alpha`, targets as `target_modules`).
    /// With a scalar head, `score.weight` goes in too (`task_type` SEQ_CLS).
    ///
    /// Throws ``EngineError/invalidArgument(_:)`` when the model has no adapters attached.
    public init(model: TransformerModel) throws {
        guard let lora = model.lora else {
            throw EngineError.invalidArgument("the model has no LoRA adapters attached; attachLoRA first")
        }
        let config = model.config
        configJSON = try PEFTAdapterConfig.jsonData(
            for: lora.configuration, model: config, scalarHead: model.hasScalarHead)
        let engine = lora.tensors().byName
        var tensors: [TensorEntry] = []
        for layer in 0..<config.layers {
            for target in LoRATarget.allCases where lora.configuration.targets.contains(target) {
                guard let a = engine["h.\(layer).\(target.rawValue).lora_A"],
                    let b = engine["h.\(layer).\(target.rawValue).lora_B"]
                else { continue }
                let rank = lora.configuration.rank
                for module in config.peftModules(target, layer: layer) {
                    tensors.append(TensorEntry(name: module.loraAName, shape: a.shape, values: a.values))
                    tensors.append(
                        TensorEntry(
                            name: module.loraBName, shape: [module.rows.count, rank],
                            values: Array(b.values[(module.rows.lowerBound * rank)..<(module.rows.upperBound * rank)])))
                }
            }
        }
        if let score = model.huggingFaceTensors().first(where: { $0.name == "score.weight" }) {
            tensors.append(TensorEntry(name: PEFTModule.scoreTensorName, shape: score.shape, values: score.values))
        }
        self.tensors = tensors
    }

    /// Reads `adapter_config.json` and `adapter_model.safetensors` from `folder`. When the folder has a Tally
    /// manifest that lists them, they are verified against it.
    ///
    /// Throws a ``CheckpointError`` naming the file that is missing, altered or unreadable (an adapter saved as
    /// the pickle `adapter_model.bin` is refused with how to save it as safetensors).
    public static func load(from folder: URL) throws -> PEFTAdapter {
        let manifestURL = folder.appendingPathComponent(CheckpointManifest.fileName)
        let manifest =
            FileManager.default.fileExists(atPath: manifestURL.path)
            ? try CheckpointManifest(jsonData: try CheckpointFile.read(manifestURL), path: manifestURL.path) : nil
        let contents: (String) throws -> Data? = { name in
            let url = folder.appendingPathComponent(name)
            if let manifest, manifest.files[name] != nil { return try manifest.verifiedContents(of: name, in: folder) }
            return FileManager.default.fileExists(atPath: url.path) ? try CheckpointFile.read(url) : nil
        }
        guard let adapter = try read(contents: contents, folder: folder) else {
            throw CheckpointError(
                path: folder.appendingPathComponent(FileName.config).path,
                problem: "is missing, so the folder holds no PEFT adapter")
        }
        return adapter
    }

    /// The adapter whose files `contents` returns (nil for an absent file), or nil when there is no
    /// `adapter_config.json`.
    static func read(contents: (String) throws -> Data?, folder: URL) throws -> PEFTAdapter? {
        guard let configJSON = try contents(FileName.config) else { return nil }
        let configPath = folder.appendingPathComponent(FileName.config).path
        _ = try JSONText.object(configJSON, path: configPath)
        let modelPath = folder.appendingPathComponent(FileName.model).path
        guard let data = try contents(FileName.model) else {
            if FileManager.default.fileExists(atPath: folder.appendingPathComponent(FileName.pickledModel).path) {
                throw CheckpointError(
                    path: folder.appendingPathComponent(FileName.pickledModel).path,
                    problem: "is a pickle, which Tally does not read; save the adapter again with PEFT's "
                        + "save_pretrained(folder, safe_serialization=True) to get adapter_model.safetensors")
            }
            throw CheckpointError(path: modelPath, problem: "is missing; \(FileName.config) needs it beside it")
        }
        var adapter = PEFTAdapter(
            configJSON: configJSON, tensors: try SafeTensors.decode(data, path: modelPath).tensors)
        adapter.folder = folder
        return adapter
    }

    /// `name` inside the folder the adapter came from, or `name` alone for one made in memory.
    func path(of name: String) -> String { folder?.appendingPathComponent(name).path ?? name }
}

/// What an adapter means for the engine: the LoRA configuration to attach, its tensors under the engine's
/// slot names, and a trained scalar head when the adapter carries one.
struct EngineLoRA {
    var configuration: LoRAConfiguration
    var tensors: [String: TensorEntry]
    var scalarHead: TensorEntry?
}

extension PEFTAdapter {
    /// The adapter translated for a model of `config`. Throws a ``CheckpointError`` naming
    /// `adapter_config.json` or `adapter_model.safetensors` and the field or tensor when the adapter is one the
    /// engine cannot represent: split projections (q/k/v, gate/up) adapted apart or with different A, other
    /// projections, some blocks only, a missing or mis-shaped tensor, or tensors for other modules.
    func engineLoRA(for config: ModelConfig) throws -> EngineLoRA {
        let configPath = path(of: FileName.config)
        let modelPath = path(of: FileName.model)
        let settings = try PEFTAdapterConfig(jsonData: configJSON, layers: config.layers, path: configPath)
        let cannot =
            "; Tally cannot represent this adapter (merge it into the base weights with peft's merge_and_unload() "
            + "and use the merged model instead)"

        var targets = Set<LoRATarget>()
        for target in LoRATarget.allCases {
            let modules = (0..<config.layers).flatMap { config.peftModules(target, layer: $0) }
            let adapted = modules.filter { settings.adapts($0.path) }
            if adapted.isEmpty { continue }
            guard adapted.count == modules.count else {
                let missing = modules.first { !settings.adapts($0.path) }!.path
                let together = config.peftModules(target, layer: 0).map(\.name)
                throw CheckpointError(
                    path: configPath,
                    problem: "target_modules adapts \(adapted[0].path) but not \(missing)"
                        + (together.count > 1
                            ? " (Tally adapts \(together.joined(separator: ", ")) together, with one shared A)" : "")
                        + cannot)
            }
            targets.insert(target)
        }
        guard !targets.isEmpty else {
            throw CheckpointError(
                path: configPath, problem: "target_modules selects none of the projections Tally adapts" + cannot)
        }

        let rank = settings.rank
        var byName = tensors.byName
        var engine: [String: TensorEntry] = [:]
        func take(_ name: String, shape: [Int]) throws -> TensorEntry {
            guard let entry = byName.removeValue(forKey: name) else {
                throw CheckpointError(
                    path: modelPath, problem: "has no tensor \"\(name)\", which adapter_config.json implies")
            }
            guard entry.shape == shape else {
                throw CheckpointError(
                    path: modelPath, problem: "tensor \"\(name)\" has shape \(entry.shape); r = \(rank) needs \(shape)")
            }
            return entry
        }
        for layer in 0..<config.layers {
            for target in LoRATarget.allCases where targets.contains(target) {
                let modules = config.peftModules(target, layer: layer)
                let inDim: Int
                switch target {
                case .attention, .mlpUp: inDim = config.width
                case .attentionOutput: inDim = config.attentionWidth
                case .mlpDown: inDim = config.mlpWidth
                }
                var sharedA: TensorEntry?
                var b: [Float] = []
                for module in modules {
                    let a = try take(module.loraAName, shape: [rank, inDim])
                    if let sharedA, sharedA.values != a.values {
                        throw CheckpointError(
                            path: modelPath,
                            problem: "\"\(a.name)\" differs from \"\(sharedA.name)\"; Tally's adapter shares one A "
                                + "across \(modules.map(\.name).joined(separator: ", "))"
                                + cannot)
                    }
                    sharedA = sharedA ?? a
                    b += try take(module.loraBName, shape: [module.rows.count, rank]).values
                }
                let slot = "h.\(layer).\(target.rawValue)"
                engine[slot + ".lora_A"] = TensorEntry(
                    name: slot + ".lora_A", shape: [rank, inDim], values: sharedA!.values)
                engine[slot + ".lora_B"] = TensorEntry(
                    name: slot + ".lora_B", shape: [b.count / rank, rank], values: b)
            }
        }
        var scalarHead: TensorEntry?
        if let score = byName.removeValue(forKey: PEFTModule.scoreTensorName) {
            guard score.shape == [1, config.width] else {
                throw CheckpointError(
                    path: modelPath,
                    problem: "\"\(score.name)\" has shape \(score.shape); Tally's scalar head is one label, "
                        + "[1, \(config.width)] (num_labels 1)")
            }
            scalarHead = TensorEntry(name: "score.weight", shape: score.shape, values: score.values)
        }
        if let extra = byName.keys.sorted().first {
            throw CheckpointError(
                path: modelPath,
                problem: "holds \"\(extra)\", which is neither a LoRA A or B of the targets nor the score head "
                    + "(modules_to_save other than \"score\", embedding adapters and DoRA are not supported)" + cannot)
        }
        return EngineLoRA(
            configuration: LoRAConfiguration(rank: rank, alpha: settings.alpha, targets: targets), tensors: engine,
            scalarHead: scalarHead)
    }
}
