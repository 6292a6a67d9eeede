import Foundation
import Testing

@testable import TallyEngine

/// `expected.json` of a PEFT fixture (scripts/make_peft_fixtures.py): for token sequences, what PEFT computed.
struct PEFTExpectations: Decodable {
    struct Run: Decodable {
        var ids: [Int32]
        var lastLogits: [Float]?
        var sequenceLogProb: Double?
        var score: Float?

        enum CodingKeys: String, CodingKey {
            case ids, score
            case lastLogits = "last_logits"
            case sequenceLogProb = "sequence_log_prob"
        }
    }
    var runs: [Run]

    static func load(_ name: String) throws -> PEFTExpectations {
        let url = fixturesFolder.appendingPathComponent(name).appendingPathComponent("expected.json")
        return try JSONDecoder().decode(PEFTExpectations.self, from: Data(contentsOf: url))
    }
}

/// The tensors of a fixture's `adapter_model.safetensors` and its parsed `adapter_config.json`.
func peftFiles(_ name: String) throws -> (tensors: [String: TensorEntry], config: [String: Any]) {
    let folder = fixturesFolder.appendingPathComponent(name)
    let tensors = try SafeTensors.read(contentsOf: folder.appendingPathComponent("adapter_model.safetensors"))
    let config = try JSONSerialization.jsonObject(
        with: Data(contentsOf: folder.appendingPathComponent("adapter_config.json")))
    return (tensors.tensorsByName, try #require(config as? [String: Any]))
}

/// Checks `model`'s language-model outputs against what PEFT computed for the fixture `name`.
func expectSameLogitsAsPEFT(_ model: TransformerModel, _ name: String) throws {
    let expected = try PEFTExpectations.load(name)
    for run in expected.runs {
        let n = run.ids.count
        let batch = TokenBatch(
            batchSize: 1, length: n, tokens: run.ids, targets: Array(run.ids.dropFirst()) + [-1])
        try model.forward(batch)
        let total = model.targetLogProbs.reduce(0, +)
        let logProbs = Array(model.probabilities(row: 0, position: n - 1)).map { log($0) }
        let reference = logSoftmax(try #require(run.lastLogits))
        let worst = zip(logProbs, reference).map { abs($0 - $1) }.max() ?? .infinity
        #expect(worst < 2e-4, "\(name) \(run.ids): last-position log-probabilities differ by \(worst)")
        let sequence = try #require(run.sequenceLogProb)
        #expect(abs(Double(total) - sequence) < 1e-3, "\(name) \(run.ids): Σ log p \(total) vs PEFT's \(sequence)")
    }
}

/// What Tally writes for `model`'s adapters must be what PEFT wrote for the same weights: the same tensor names,
/// shapes and values, and an adapter_config.json whose every field PEFT writes too, with PEFT's values.
func expectAdapterWrittenAsPEFTDoes(_ model: TransformerModel, _ name: String) throws {
    let written = try PEFTAdapter(model: model)
    let peft = try peftFiles(name)
    let ours = written.tensors.byName
    #expect(Set(ours.keys) == Set(peft.tensors.keys), "\(name): tensor names")
    for (tensorName, tensor) in ours {
        guard let reference = peft.tensors[tensorName] else { continue }
        #expect(tensor.shape == reference.shape, "\(tensorName) shape")
        #expect(bitPatterns(tensor.values) == bitPatterns(reference.values), "\(tensorName) values")
    }
    let config = try #require(try JSONSerialization.jsonObject(with: written.configJSON) as? [String: Any])
    for (key, value) in config where key != "base_model_name_or_path" {
        let reference = peft.config[key]
        #expect(reference != nil, "\(name): adapter_config.json field \(key) is not one PEFT writes")
        switch key {
        case "target_modules", "modules_to_save":
            #expect(Set(value as? [String] ?? []) == Set(reference as? [String] ?? []), "\(key)")
        default:
            #expect(jsonEqual(value, reference), "\(key): \(value) vs PEFT's \(String(describing: reference))")
        }
    }
    for key in [
        "r", "lora_alpha", "target_modules", "peft_type", "task_type", "fan_in_fan_out", "use_rslora", "use_dora",
    ] {
        #expect(config[key] != nil, "adapter_config.json needs \(key)")
    }
}

/// JSON values equal, numbers within float precision.
func jsonEqual(_ a: Any?, _ b: Any?) -> Bool {
    switch (a, b) {
    case (nil, nil): return true
    case (is NSNull, is NSNull): return true
    case (let x as String, let y as String): return x == y
    case (let x as [Any], let y as [Any]): return x.count == y.count && zip(x, y).allSatisfy { jsonEqual($0, $1) }
    case (let x as [String: Any], let y as [String: Any]):
        return Set(x.keys) == Set(y.keys) && x.keys.allSatisfy { jsonEqual(x[$0], y[$0]) }
    case (let x as NSNumber, let y as NSNumber):
        return abs(x.doubleValue - y.doubleValue) <= 1e-6 * max(1, abs(y.doubleValue))
    default: return false
    }
}

@Suite struct PEFTAdapterTests {
    @Test(arguments: ["peft-gpt2-lora", "peft-llama-lora"])
    func adapterSavedByPEFTGivesPEFTsLogits(name: String) throws {
        // The folder holds only the adapter; base_model_name_or_path leads to the base folder beside it.
        let checkpoint = try Checkpoint.loadHuggingFace(from: fixturesFolder.appendingPathComponent(name))
        let model = try checkpoint.makeModel()
        let lora = try #require(model.lora)
        #expect(lora.configuration.rank == 4 && lora.configuration.alpha == 8)
        #expect(lora.configuration.targets == Set(LoRATarget.allCases))
        #expect(model.frozenGroups.count == model.parameterSlots.map(\.group).uniqueCount)
        try expectSameLogitsAsPEFT(model, name)
        // Switched off, the adapters leave the base model exactly.
        lora.enabled = false
        let base = try Checkpoint.loadHuggingFace(from: checkpoint.folder!).makeModel()
        let batch = try TokenBatch(sequences: [[5, 17, 42, 99, 7]])
        #expect(try model.sequenceLogProbs(batch) == base.sequenceLogProbs(batch))
    }

    @Test(arguments: ["peft-gpt2-lora", "peft-llama-lora"])
    func adapterWrittenByTallyIsWhatPEFTWrites(name: String) throws {
        let model = try Checkpoint.loadHuggingFace(from: fixturesFolder.appendingPathComponent(name)).makeModel()
        try expectAdapterWrittenAsPEFTDoes(model, name)
    }

    @Test func gpt2TargetModulesNameTheTwoCProjApart() {
        let config = TinyConfigs.gpt2
        #expect(config.peftTargetModuleNames(Set(LoRATarget.allCases)) == ["c_attn", "c_fc", "c_proj"])
        #expect(config.peftTargetModuleNames([.attention, .attentionOutput]) == ["attn.c_proj", "c_attn"])
        #expect(config.peftTargetModuleNames([.mlpDown]) == ["mlp.c_proj"])
        #expect(
            TinyConfigs.llama.peftTargetModuleNames([.attention, .mlpUp])
                == ["gate_proj", "k_proj", "q_proj", "up_proj", "v_proj"])
    }

    @Test func loraCheckpointRoundTripsThroughPEFTLayout() throws {
        let workspace = try makeTemporaryFolder()
        defer { try? FileManager.default.removeItem(at: workspace) }
        let tokenizer = try fixtureTokenizer()
        let config = ModelConfig.llama(
            vocabularySize: tokenizer.vocabularySize, contextLength: 16, layers: 2, heads: 4, kvHeads: 2, width: 16,
            intermediateSize: 24)
        let model = try TransformerModel(config: config, seed: 1)
        let adapters = try model.attachLoRA(
            LoRAConfiguration(rank: 3, alpha: 6, targets: [.attention, .mlpDown]), seed: 2)
        randomize(adapters.parameters, count: adapters.count, seed: 3, scale: 0.2)
        let folder = workspace.appendingPathComponent("lora")
        let manifest = try Checkpoint(model: model, tokenizer: tokenizer).save(to: folder)
        #expect(manifest.files["adapter_config.json"] != nil && manifest.files["adapter_model.safetensors"] != nil)

        let loaded = try Checkpoint.load(from: folder)
        let restored = try loaded.makeModel()
        #expect(restored.lora?.configuration == adapters.configuration)
        #expect(restored.lora?.tensors() == adapters.tensors())
        #expect(restored.huggingFaceTensors() == model.huggingFaceTensors(), "model.safetensors holds the base")
        let batch = try TokenBatch(sequences: [[3, 9, 27, 81, 5, 15]])
        #expect(try restored.sequenceLogProbs(batch) == model.sequenceLogProbs(batch))
        let written = try #require(
            try JSONSerialization.jsonObject(
                with: Data(contentsOf: folder.appendingPathComponent("adapter_config.json")))
                as? [String: Any])
        #expect(Set(written["target_modules"] as? [String] ?? []) == ["q_proj", "k_proj", "v_proj", "down_proj"])
        #expect(written["task_type"] as? String == "CAUSAL_LM" && written["fan_in_fan_out"] as? Bool == false)

        // The adapter files are verified against the manifest like every other file.
        let adapterFile = folder.appendingPathComponent("adapter_model.safetensors")
        var bytes = try Data(contentsOf: adapterFile)
        bytes[bytes.count - 1] ^= 0x01
        try bytes.write(to: adapterFile)
        let error = #expect(throws: CheckpointError.self) { try Checkpoint.load(from: folder) }
        #expect(error?.path == adapterFile.path && error?.problem.contains("SHA-256") == true)
    }

    @Test func adapterFilesTheManifestDoesNotListAreRefused() throws {
        let workspace = try makeTemporaryFolder()
        defer { try? FileManager.default.removeItem(at: workspace) }
        let folder = workspace.appendingPathComponent("plain")
        let model = try TransformerModel(config: TinyConfigs.gpt2, seed: 1)
        try Checkpoint(model: model, tokenizer: try fixtureTokenizer()).save(to: folder)
        for file in ["adapter_config.json", "adapter_model.safetensors"] {
            try FileManager.default.copyItem(
                at: fixturesFolder.appendingPathComponent("peft-gpt2-lora").appendingPathComponent(file),
                to: folder.appendingPathComponent(file))
        }
        let error = #expect(throws: CheckpointError.self) { try Checkpoint.load(from: folder) }
        #expect(error?.path.hasSuffix("adapter_config.json") == true)
        #expect(error?.problem.contains("not listed") == true)
    }

    // MARK: Adapters Tally cannot represent

    func llamaAdapterCheckpoint(
        config edit: (inout [String: Any]) -> Void = { _ in },
        tensors editTensors: (inout [TensorEntry]) -> Void = { _ in }
    ) throws -> Checkpoint {
        var checkpoint = try Checkpoint.loadHuggingFace(from: fixturesFolder.appendingPathComponent("peft-llama-lora"))
        var adapter = try #require(checkpoint.adapter)
        var config = try #require(try JSONSerialization.jsonObject(with: adapter.configJSON) as? [String: Any])
        edit(&config)
        adapter.configJSON = try JSONSerialization.data(withJSONObject: config)
        editTensors(&adapter.tensors)
        checkpoint.adapter = adapter
        return checkpoint
    }

    func expectRefusal(
        _ checkpoint: Checkpoint, file: String, mentioning words: [String],
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        let error = #expect(throws: CheckpointError.self, sourceLocation: sourceLocation) { try checkpoint.makeModel() }
        #expect(
            error?.path.hasSuffix("peft-llama-lora/" + file) == true, "\(error?.path ?? "")",
            sourceLocation: sourceLocation)
        for word in words {
            #expect(
                error?.problem.contains(word) == true, "\(error?.problem ?? "") lacks \(word)",
                sourceLocation: sourceLocation)
        }
    }

    @Test func splitProjectionsWithTheirOwnAAreRefused() throws {
        let checkpoint = try llamaAdapterCheckpoint(tensors: { tensors in
            let index = tensors.firstIndex {
                $0.name == "base_model.model.model.layers.1.self_attn.k_proj.lora_A.weight"
            }!
            tensors[index].values[0] += 0.5
        })
        expectRefusal(
            checkpoint, file: "adapter_model.safetensors",
            mentioning: ["layers.1.self_attn.k_proj.lora_A.weight", "shares one A", "merge_and_unload"])
    }

    @Test func unsupportedLoRAVariantsAreRefusedNamingTheField() throws {
        expectRefusal(
            try llamaAdapterCheckpoint(config: { $0["use_rslora"] = true }), file: "adapter_config.json",
            mentioning: ["use_rslora"])
        expectRefusal(
            try llamaAdapterCheckpoint(config: { $0["use_dora"] = true }), file: "adapter_config.json",
            mentioning: ["use_dora"])
        expectRefusal(
            try llamaAdapterCheckpoint(config: { $0["rank_pattern"] = ["q_proj": 2] }), file: "adapter_config.json",
            mentioning: ["rank_pattern"])
        expectRefusal(
            try llamaAdapterCheckpoint(config: { $0["layers_to_transform"] = [0] }), file: "adapter_config.json",
            mentioning: ["layers_to_transform"])
        expectRefusal(
            try llamaAdapterCheckpoint(config: { $0["peft_type"] = "IA3" }), file: "adapter_config.json",
            mentioning: ["peft_type", "IA3"])
        expectRefusal(
            try llamaAdapterCheckpoint(config: { $0["target_modules"] = ["q_proj", "v_proj"] }),
            file: "adapter_config.json", mentioning: ["target_modules", "k_proj"])
        expectRefusal(
            try llamaAdapterCheckpoint(config: { $0["r"] = 8 }), file: "adapter_model.safetensors",
            mentioning: ["r = 8", "[8, 32]"])
        expectRefusal(
            try llamaAdapterCheckpoint(tensors: {
                $0.append(TensorEntry(name: "base_model.model.lm_head.weight", shape: [2], values: [1, 2]))
            }), file: "adapter_model.safetensors", mentioning: ["base_model.model.lm_head.weight", "modules_to_save"])
        // Dropout is a training-time detail: ignored.
        #expect(throws: Never.self) { try llamaAdapterCheckpoint(config: { $0["lora_dropout"] = 0.1 }).makeModel() }
    }

    @Test func pickledAdapterIsRefusedWithHowToSaveSafetensors() throws {
        let folder = try makeTemporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        try FileManager.default.copyItem(
            at: fixturesFolder.appendingPathComponent("peft-gpt2-lora/adapter_config.json"),
            to: folder.appendingPathComponent("adapter_config.json"))
        try Data([0x80, 0x02]).write(to: folder.appendingPathComponent("adapter_model.bin"))
        let error = #expect(throws: CheckpointError.self) {
            try Checkpoint.load(adapterFolder: folder, base: fixturesFolder.appendingPathComponent("gpt2-tiny"))
        }
        #expect(error?.path.hasSuffix("adapter_model.bin") == true)
        #expect(error?.problem.contains("safe_serialization=True") == true)
    }

    @Test func adapterWhoseBaseIsNotALocalFolderSaysWhatToDo() throws {
        let folder = try makeTemporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let source = fixturesFolder.appendingPathComponent("peft-gpt2-lora")
        var config = try #require(
            try JSONSerialization.jsonObject(
                with: Data(contentsOf: source.appendingPathComponent("adapter_config.json")))
                as? [String: Any])
        config["base_model_name_or_path"] = "openai-community/gpt2"
        try JSONSerialization.data(withJSONObject: config).write(
            to: folder.appendingPathComponent("adapter_config.json"))
        try FileManager.default.copyItem(
            at: source.appendingPathComponent("adapter_model.safetensors"),
            to: folder.appendingPathComponent("adapter_model.safetensors"))
        let error = #expect(throws: CheckpointError.self) { try Checkpoint.loadHuggingFace(from: folder) }
        #expect(error?.path.hasSuffix("adapter_config.json") == true)
        #expect(error?.problem.contains("openai-community/gpt2") == true)
        #expect(error?.problem.contains("Checkpoint.load(adapterFolder:base:)") == true)
        // Given the base explicitly, it loads.
        let model = try Checkpoint.load(adapterFolder: folder, base: fixturesFolder.appendingPathComponent("gpt2-tiny"))
            .makeModel()
        try expectSameLogitsAsPEFT(model, "peft-gpt2-lora")
    }
}

extension Array where Element: Hashable {
    var uniqueCount: Int { Set(self).count }
}
