import Foundation
import Testing

@testable import TallyEngine

/// The tokenizer the checkpoint tests save: the committed fixture trained by the `tokenizers` library.
func fixtureTokenizer() throws -> BPETokenizer {
    try BPETokenizer(contentsOf: fixturesFolder.appendingPathComponent("tokenizer/tokenizer.json"))
}

let fixturesFolder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

func sampleCheckpoint(version: Float, withTrainingState: Bool = true) throws -> Checkpoint {
    let tensors = [
        TensorEntry(
            name: "transformer.wte.weight", shape: [5, 3], values: testValues(15, seed: 10).map { $0 + version }),
        TensorEntry(name: "transformer.h.0.attn.c_attn.weight", shape: [3, 9], values: testValues(27, seed: 11)),
        TensorEntry(name: "transformer.ln_f.bias", shape: [3], values: [version, 0, -version]),
    ]
    let config = Data(#"{"model_type": "gpt2", "n_embd": 3, "n_layer": 1, "vocab_size": 5}"#.utf8)
    return Checkpoint(
        modelTensors: tensors, configJSON: config, tokenizer: try fixtureTokenizer(),
        optimizerTensors: withTrainingState
            ? tensors.map { TensorEntry(name: "m." + $0.name, shape: $0.shape, values: $0.values.map { $0 * 0.5 }) }
            : nil,
        trainerState: withTrainingState
            ? TrainerState(
                trainer: "sft", step: Int(version) * 100, rngState: [0xFFFF_FFFF_FFFF_FFFF, 42], dataCursor: 960,
                values: ["learning_rate": 3e-4], strings: ["run": "r\(version)"])
            : nil,
        metadata: ["tally.version": "\(version)"])
}

func expectSameContents(_ loaded: Checkpoint, _ saved: Checkpoint) {
    #expect(loaded.modelTensors.map(\.name) == saved.modelTensors.map(\.name))
    for (read, written) in zip(loaded.modelTensors, saved.modelTensors) {
        #expect(read.shape == written.shape)
        #expect(bitPatterns(read.values) == bitPatterns(written.values))
    }
    #expect(loaded.configJSON == saved.configJSON)
    #expect(loaded.tokenizer.jsonData() == saved.tokenizer.jsonData())
    #expect(loaded.optimizerTensors == saved.optimizerTensors)
    #expect(loaded.trainerState == saved.trainerState)
    #expect(loaded.metadata == saved.metadata)
}

@Test func checkpointSaveThenLoadGivesTheSameContentsAndAVerifiedManifest() throws {
    let workspace = try makeTemporaryFolder()
    defer { try? FileManager.default.removeItem(at: workspace) }
    let folder = workspace.appendingPathComponent("checkpoints/1")
    let checkpoint = try sampleCheckpoint(version: 1)
    let manifest = try checkpoint.save(to: folder)

    let names = try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
    #expect(
        names == [
            "config.json", "model.safetensors", "optimizer.safetensors", "tally-manifest.json",
            "tokenizer.json", "tokenizer_config.json", "trainer_state.json",
        ])
    for (name, record) in manifest.files {
        let data = try Data(contentsOf: folder.appendingPathComponent(name))
        #expect(record == CheckpointManifest.FileRecord(of: data))
    }
    expectSameContents(try Checkpoint.load(from: folder), checkpoint)
    // Nothing is left beside the checkpoint.
    #expect(try FileManager.default.contentsOfDirectory(atPath: folder.deletingLastPathComponent().path) == ["1"])
    // transformers requires format=pt in the metadata of model.safetensors.
    #expect(
        try SafeTensors.read(contentsOf: folder.appendingPathComponent("model.safetensors")).metadata["format"] == "pt")
}

@Test func checkpointWithoutTrainingStateHasOnlyTheHuggingFaceFiles() throws {
    let workspace = try makeTemporaryFolder()
    defer { try? FileManager.default.removeItem(at: workspace) }
    let folder = workspace.appendingPathComponent("export")
    let checkpoint = try sampleCheckpoint(version: 2, withTrainingState: false)
    try checkpoint.save(to: folder)
    let names = try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
    #expect(
        names == ["config.json", "model.safetensors", "tally-manifest.json", "tokenizer.json", "tokenizer_config.json"])
    let loaded = try Checkpoint.load(from: folder)
    #expect(loaded.optimizerTensors == nil)
    #expect(loaded.trainerState == nil)
}

@Test func aCrashBeforeTheRenameLeavesThePreviousCheckpointIntact() throws {
    let workspace = try makeTemporaryFolder()
    defer { try? FileManager.default.removeItem(at: workspace) }
    let folder = workspace.appendingPathComponent("latest")
    let first = try sampleCheckpoint(version: 1)
    try first.save(to: folder)

    // Write the next checkpoint completely into its temporary folder, then "crash": never commit.
    let staged = try sampleCheckpoint(version: 2).stage(for: folder)
    #expect(FileManager.default.fileExists(atPath: staged.temporaryFolder.path))
    #expect(staged.temporaryFolder.deletingLastPathComponent().path == folder.deletingLastPathComponent().path)
    expectSameContents(try Checkpoint.load(from: folder), first)

    // The next save clears the leftover and replaces the checkpoint.
    let third = try sampleCheckpoint(version: 3)
    try third.save(to: folder)
    expectSameContents(try Checkpoint.load(from: folder), third)
    #expect(try FileManager.default.contentsOfDirectory(atPath: workspace.path) == ["latest"])
}

@Test func committingAStagedCheckpointReplacesThePreviousOne() throws {
    let workspace = try makeTemporaryFolder()
    defer { try? FileManager.default.removeItem(at: workspace) }
    let folder = workspace.appendingPathComponent("latest")
    try sampleCheckpoint(version: 1).save(to: folder)
    let second = try sampleCheckpoint(version: 2)
    let staged = try second.stage(for: folder)
    try staged.commit()
    expectSameContents(try Checkpoint.load(from: folder), second)
    #expect(try FileManager.default.contentsOfDirectory(atPath: workspace.path) == ["latest"])
}

@Test func checkpointLoadRefusesAlteredTruncatedAndMissingFiles() throws {
    let workspace = try makeTemporaryFolder()
    defer { try? FileManager.default.removeItem(at: workspace) }
    let original = workspace.appendingPathComponent("original")
    try sampleCheckpoint(version: 1).save(to: original)

    func damaged(_ name: String, _ damage: (URL) throws -> Void) throws -> CheckpointError? {
        let copy = workspace.appendingPathComponent("copy-\(UUID().uuidString)")
        try FileManager.default.copyItem(at: original, to: copy)
        try damage(copy.appendingPathComponent(name))
        return #expect(throws: CheckpointError.self) { try Checkpoint.load(from: copy) }
    }

    // One flipped bit in the weights, same size: caught by SHA-256.
    let flipped = try damaged("model.safetensors") { url in
        var bytes = try Data(contentsOf: url)
        bytes[bytes.count - 3] ^= 0x01
        try bytes.write(to: url)
    }
    #expect(flipped?.path.hasSuffix("model.safetensors") == true)
    #expect(flipped?.problem.contains("SHA-256") == true)

    let truncated = try damaged("optimizer.safetensors") { url in
        let bytes = try Data(contentsOf: url)
        try bytes.prefix(bytes.count - 10).write(to: url)
    }
    #expect(truncated?.path.hasSuffix("optimizer.safetensors") == true)
    #expect(truncated?.problem.contains("truncated") == true)

    let missing = try damaged("tokenizer.json") { url in try FileManager.default.removeItem(at: url) }
    #expect(missing?.path.hasSuffix("tokenizer.json") == true)
    #expect(missing?.problem.contains("missing") == true)

    let noManifest = try damaged("tally-manifest.json") { url in try FileManager.default.removeItem(at: url) }
    #expect(noManifest?.path.hasSuffix("tally-manifest.json") == true)

    let badManifest = try damaged("tally-manifest.json") { url in try Data("{\"format\": \"x\"}".utf8).write(to: url) }
    #expect(badManifest?.problem.contains("not a Tally checkpoint manifest") == true)

    let nowhere = #expect(throws: CheckpointError.self) {
        try Checkpoint.load(from: workspace.appendingPathComponent("nowhere"))
    }
    #expect(nowhere?.problem.contains("does not exist") == true)
}

@Test func checkpointRefusesConfigThatIsNotJSON() throws {
    let workspace = try makeTemporaryFolder()
    defer { try? FileManager.default.removeItem(at: workspace) }
    var checkpoint = try sampleCheckpoint(version: 1)
    checkpoint.configJSON = Data("n_embd = 3".utf8)
    #expect(throws: CheckpointError.self) { try checkpoint.save(to: workspace.appendingPathComponent("bad")) }
    #expect(!FileManager.default.fileExists(atPath: workspace.appendingPathComponent("bad").path))
}

@Test func huggingFaceFolderWithoutManifestLoads() throws {
    let workspace = try makeTemporaryFolder()
    defer { try? FileManager.default.removeItem(at: workspace) }
    let folder = workspace.appendingPathComponent("hf")
    let checkpoint = try sampleCheckpoint(version: 1, withTrainingState: false)
    try checkpoint.save(to: folder)
    try FileManager.default.removeItem(at: folder.appendingPathComponent(CheckpointManifest.fileName))
    #expect(throws: CheckpointError.self) { try Checkpoint.load(from: folder) }
    expectSameContents(try Checkpoint.loadHuggingFace(from: folder), checkpoint)
}

/// The random state is written as hex strings: a JSON number above 2^53 loses its low bits in readers that parse
/// numbers as doubles (Python's json does not, but JavaScript and many tools do).
@Test func trainerStateKeepsAll64BitsOfTheRandomState() throws {
    let state = TrainerState(trainer: "ppo", step: 7, rngState: [.max, 0, 0x8000_0000_0000_0001], dataCursor: 3)
    let data = try JSONEncoder().encode(state)
    #expect(try JSONDecoder().decode(TrainerState.self, from: data) == state)
    let object = try JSONSerialization.jsonObject(with: data) as? [String: Any]
    #expect(object?["rng_state"] as? [String] == ["ffffffffffffffff", "0", "8000000000000001"])
}

@Test func replacingWithoutAnAtomicSwapAlsoLeavesOneCompleteCheckpoint() throws {
    let workspace = try makeTemporaryFolder()
    defer { try? FileManager.default.removeItem(at: workspace) }
    let folder = workspace.appendingPathComponent("latest")
    try sampleCheckpoint(version: 1).save(to: folder)
    let second = try sampleCheckpoint(version: 2)
    try second.stage(for: folder).commit(allowingExchange: false)
    expectSameContents(try Checkpoint.load(from: folder), second)
    #expect(try FileManager.default.contentsOfDirectory(atPath: workspace.path) == ["latest"])

    // A crash between the two renames: the old checkpoint was set aside, the new one not yet moved in.
    // Loading says where the complete previous checkpoint is, and the next save does not delete it early.
    let setAside = workspace.appendingPathComponent(".latest.old-CRASHED")
    try FileManager.default.moveItem(at: folder, to: setAside)
    let error = #expect(throws: CheckpointError.self) { try Checkpoint.load(from: folder) }
    #expect(error?.problem.contains(setAside.path) == true)
    expectSameContents(try Checkpoint.load(from: setAside), second)
    let staged = try sampleCheckpoint(version: 3).stage(for: folder)
    #expect(FileManager.default.fileExists(atPath: setAside.path))
    try staged.commit()
    #expect(try FileManager.default.contentsOfDirectory(atPath: workspace.path) == ["latest"])
}
