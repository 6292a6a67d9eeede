import Foundation

/// A model checkpoint as a folder Hugging Face tools can read: `model.safetensors` (HF tensor names),
/// `config.json`, `tokenizer.json` (with `tokenizer_config.json` holding the chat template), for a model with
/// LoRA attached its adapters in PEFT's layout (`adapter_config.json`, `adapter_model.safetensors`, beside the
/// un-merged base weights), and for resuming training `optimizer.safetensors` and `trainer_state.json`, plus
/// `tally-manifest.json` with every file's SHA-256. transformers loads such a folder with
/// `AutoModelForCausalLM.from_pretrained` (`AutoModelForSequenceClassification` for a model with a scalar head;
/// with `peft` installed, adapters included).
///
/// Saving is atomic: the files are written and `fsync`ed in a temporary sibling folder, which is then
/// renamed into place, so a crash leaves either the old checkpoint or the new one, never a mix.
/// Loading verifies every file against the manifest and refuses a truncated or altered one.
///
/// ```swift
/// let folder = workspace.appendingPathComponent("checkpoints/7")
/// let checkpoint = try Checkpoint(model: model, tokenizer: tokenizer, optimizer: adamW, trainerState: state)
/// let manifest = try checkpoint.save(to: folder)     // manifest.files["model.safetensors"]?.sha256
///
/// let loaded = try Checkpoint.load(from: folder)      // verified against tally-manifest.json
/// let resumedModel = try loaded.makeModel()
/// let resumedOptimizer = AdamW(model: resumedModel)
/// try loaded.restore(resumedOptimizer)
/// ```
public struct Checkpoint: Sendable {
    /// File names inside a checkpoint folder.
    public enum FileName {
        public static let model = "model.safetensors"
        public static let config = "config.json"
        public static let tokenizer = "tokenizer.json"
        /// Written for transformers when the tokenizer has the chat tokens; not read back.
        public static let tokenizerConfig = "tokenizer_config.json"
        public static let optimizer = "optimizer.safetensors"
        public static let trainerState = "trainer_state.json"
        /// PEFT's adapter config, for a model saved with LoRA attached.
        public static let adapterConfig = PEFTAdapter.FileName.config
        /// PEFT's adapter tensors, for a model saved with LoRA attached.
        public static let adapterModel = PEFTAdapter.FileName.model
    }

    /// The model's tensors with Hugging Face names and layouts (the base weights, without any LoRA update).
    public var modelTensors: [TensorEntry]
    /// LoRA adapters in PEFT's layout, when the model was saved with adapters attached or the checkpoint was
    /// loaded with a PEFT adapter; ``makeModel(freshScalarHeadSeed:)`` attaches them.
    public var adapter: PEFTAdapter?
    /// The model's Hugging Face `config.json`, as JSON bytes.
    public var configJSON: Data
    /// The tokenizer, saved as `tokenizer.json`.
    public var tokenizer: BPETokenizer
    /// The optimizer's state tensors (moments, ...), when the checkpoint can resume training.
    public var optimizerTensors: [TensorEntry]?
    /// Where training stands, when the checkpoint can resume training.
    public var trainerState: TrainerState?
    /// Extra strings for `model.safetensors`'s `__metadata__`; `format` is always `pt`, which transformers needs.
    public var metadata: [String: String]
    /// The folder the checkpoint was loaded from (nil for one made in memory), for error messages.
    public var folder: URL?
    /// Checkpoints saved inside this one, each in a subfolder of its name (PPO's value model in `value/`): written
    /// in the same atomic save and listed in this checkpoint's manifest, and each a whole checkpoint of its own
    /// with its manifest, so `Checkpoint.load(from: folder/value)` reads it alone.
    public var companions: [String: Checkpoint] = [:]

    /// Makes a checkpoint.
    public init(
        modelTensors: [TensorEntry], configJSON: Data, tokenizer: BPETokenizer,
        optimizerTensors: [TensorEntry]? = nil, trainerState: TrainerState? = nil, metadata: [String: String] = [:],
        adapter: PEFTAdapter? = nil
    ) {
        self.modelTensors = modelTensors
        self.adapter = adapter
        self.configJSON = configJSON
        self.tokenizer = tokenizer
        self.optimizerTensors = optimizerTensors
        self.trainerState = trainerState
        self.metadata = metadata
    }

    /// The model tensors by name, the form models' `loadHuggingFaceTensors` take.
    public var modelTensorsByName: [String: TensorEntry] { modelTensors.byName }

    // MARK: Saving

    /// Saves the checkpoint to `folder` atomically, replacing a checkpoint already there, and returns
    /// the manifest with each file's SHA-256 (for the caller to record). One writer per folder at a time:
    /// a save clears temporary folders earlier, interrupted saves of the same folder left behind.
    @discardableResult
    public func save(to folder: URL) throws -> CheckpointManifest {
        let staged = try stage(for: folder)
        try staged.commit()
        return staged.manifest
    }

    /// Writes every file into a fresh temporary sibling of `folder` and flushes it, without touching `folder`.
    /// ``StagedCheckpoint/commit()`` then moves it into place; until then the previous checkpoint stays intact.
    public func stage(for folder: URL) throws -> StagedCheckpoint {
        let folder = folder.standardizedFileURL
        let parent = folder.deletingLastPathComponent()
        try CheckpointFile.createFolder(parent, intermediate: true)
        StagedCheckpoint.removeLeftovers(of: folder)

        var files = try fileContents()
        for (name, companion) in companions.sorted(by: { $0.key < $1.key }) {
            guard Self.isCompanionName(name) else {
                throw CheckpointError(path: name, problem: "is not a valid companion folder name")
            }
            let inner = try companion.fileContents()
            let manifest = CheckpointManifest(
                files: Dictionary(uniqueKeysWithValues: inner.map { ($0.0, CheckpointManifest.FileRecord(of: $0.1)) }))
            files += (inner + [(CheckpointManifest.fileName, manifest.jsonData())]).map { ("\(name)/\($0.0)", $0.1) }
        }

        let temporary = parent.appendingPathComponent(
            ".\(folder.lastPathComponent)\(StagedCheckpoint.temporaryMarker)\(UUID().uuidString)")
        // A failure names the folder the user asked for, not the hidden temporary one.
        try CheckpointFile.createFolder(temporary, intermediate: false, reportedAs: folder)
        var records: [String: CheckpointManifest.FileRecord] = [:]
        do {
            for name in companions.keys.sorted() {
                try FileManager.default.createDirectory(
                    at: temporary.appendingPathComponent(name), withIntermediateDirectories: false)
            }
            for (name, data) in files {
                try CheckpointFile.create(data, at: temporary.appendingPathComponent(name))
                records[name] = CheckpointManifest.FileRecord(of: data)
            }
            for name in companions.keys.sorted() {
                try CheckpointFile.syncFolder(temporary.appendingPathComponent(name))
            }
            let manifest = CheckpointManifest(files: records)
            // The manifest goes last: a temporary folder with a manifest holds every file it lists.
            try CheckpointFile.create(
                manifest.jsonData(), at: temporary.appendingPathComponent(CheckpointManifest.fileName))
            try CheckpointFile.syncFolder(temporary)
            return StagedCheckpoint(temporaryFolder: temporary, destination: folder, manifest: manifest)
        } catch {
            // A full disk or a vanished folder: leave nothing half-written behind.
            try? FileManager.default.removeItem(at: temporary)
            // Name the file as it would have been in the checkpoint, not in the hidden temporary folder.
            if var error = error as? CheckpointError, error.path.hasPrefix(temporary.path) {
                error.path = folder.path + error.path.dropFirst(temporary.path.count)
                throw error
            }
            throw error
        }
    }

    /// The checkpoint's files (all but the manifest and companions), named as in the folder.
    func fileContents() throws -> [(String, Data)] {
        var files: [(String, Data)] = []
        var modelMetadata = metadata
        modelMetadata["format"] = "pt"
        files.append((FileName.model, try SafeTensors.encode(modelTensors, metadata: modelMetadata)))
        _ = try JSONText.object(configJSON, path: FileName.config)
        files.append((FileName.config, configJSON))
        files.append((FileName.tokenizer, tokenizer.jsonData()))
        if let chat = try? ChatTemplate(tokenizer: tokenizer) {
            files.append((FileName.tokenizerConfig, chat.huggingFaceTokenizerConfig))
        }
        if let adapter {
            _ = try JSONText.object(adapter.configJSON, path: FileName.adapterConfig)
            files.append((FileName.adapterConfig, adapter.configJSON))
            files.append((FileName.adapterModel, try SafeTensors.encode(adapter.tensors, metadata: ["format": "pt"])))
        }
        if let optimizerTensors {
            files.append((FileName.optimizer, try SafeTensors.encode(optimizerTensors, metadata: ["format": "tally"])))
        }
        if let trainerState {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            do {
                files.append((FileName.trainerState, try encoder.encode(trainerState)))
            } catch {
                throw CheckpointError(path: FileName.trainerState, problem: "cannot be encoded (\(error))")
            }
        }
        return files
    }

    /// Whether `name` can name a companion's subfolder: letters, digits, `_` and `-`.
    static func isCompanionName(_ name: String) -> Bool {
        !name.isEmpty && name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == "-") }
    }

    // MARK: Loading

    /// Loads a Tally checkpoint, verifying every file against `tally-manifest.json`.
    ///
    /// Throws a ``CheckpointError`` naming the file when the manifest is missing, a file is missing,
    /// truncated or altered, or a file cannot be parsed.
    public static func load(from folder: URL) throws -> Checkpoint {
        let manifest = try manifest(in: folder)
        for name in [FileName.adapterConfig, FileName.adapterModel] where manifest.files[name] == nil {
            let url = folder.appendingPathComponent(name)
            if FileManager.default.fileExists(atPath: url.path) {
                throw CheckpointError(
                    path: url.path,
                    problem: "is not listed in \(CheckpointManifest.fileName), so it cannot be verified; remove it, "
                        + "or load the adapter onto this checkpoint with Checkpoint.load(adapterFolder:base:) from a "
                        + "folder of its own")
            }
        }
        var checkpoint = try assemble(folder: folder) { name in
            manifest.files[name] == nil ? nil : try manifest.verifiedContents(of: name, in: folder)
        }
        let companionNames = Set(
            manifest.files.keys.compactMap { key -> String? in
                guard let slash = key.firstIndex(of: "/") else { return nil }
                return String(key[..<slash])
            })
        for name in companionNames.sorted() {
            // The companion's own manifest is verified by this one's; its files then by its own.
            _ = try manifest.verifiedContents(of: "\(name)/\(CheckpointManifest.fileName)", in: folder)
            checkpoint.companions[name] = try load(from: folder.appendingPathComponent(name, isDirectory: true))
        }
        return checkpoint
    }

    /// The trainer state of the Tally checkpoint in `folder`, verified against `tally-manifest.json` without
    /// reading the weights, optimizer state or tokenizer; nil when the checkpoint has none (weights only).
    ///
    /// ```swift
    /// let step = try Checkpoint.trainerState(in: folder)?.step
    /// ```
    ///
    /// Throws a ``CheckpointError`` as ``load(from:)`` does when the folder or its manifest is missing, or
    /// `trainer_state.json` is missing, altered or not a trainer state.
    public static func trainerState(in folder: URL) throws -> TrainerState? {
        let manifest = try manifest(in: folder)
        guard manifest.files[FileName.trainerState] != nil else { return nil }
        return try TrainerState(
            jsonData: try manifest.verifiedContents(of: FileName.trainerState, in: folder),
            path: folder.appendingPathComponent(FileName.trainerState).path)
    }

    /// The manifest of the Tally checkpoint in `folder`, which lists at least the files every checkpoint needs.
    /// The files themselves are not read; ``load(from:)`` verifies them.
    ///
    /// Throws a ``CheckpointError`` when the folder or `tally-manifest.json` is missing or the manifest is invalid.
    public static func manifest(in folder: URL) throws -> CheckpointManifest {
        let manifestURL = folder.appendingPathComponent(CheckpointManifest.fileName)
        guard FileManager.default.fileExists(atPath: manifestURL.path) else {
            if !FileManager.default.fileExists(atPath: folder.path) {
                throw CheckpointError(
                    path: folder.path, problem: "does not exist" + StagedCheckpoint.interruptedSaveHint(for: folder))
            }
            throw CheckpointError(
                path: manifestURL.path,
                problem: "is missing, so the checkpoint cannot be verified (for a folder saved by Hugging Face "
                    + "transformers, use Checkpoint.loadHuggingFace)")
        }
        let manifest = try CheckpointManifest(jsonData: try CheckpointFile.read(manifestURL), path: manifestURL.path)
        for required in [FileName.model, FileName.config, FileName.tokenizer] where manifest.files[required] == nil {
            throw CheckpointError(
                path: manifestURL.path, problem: "does not list \(required), which every checkpoint needs")
        }
        return manifest
    }

    /// Loads a folder written by Hugging Face `save_pretrained` (`model.safetensors`, `config.json`,
    /// `tokenizer.json`, and PEFT's adapter files when present); when it also has a Tally manifest, the files are
    /// verified as by ``load(from:)``. A folder holding only a PEFT adapter is loaded onto the base model its
    /// `adapter_config.json` names in `base_model_name_or_path` (a local folder), as by
    /// ``load(adapterFolder:base:)``.
    public static func loadHuggingFace(from folder: URL) throws -> Checkpoint {
        if FileManager.default.fileExists(atPath: folder.appendingPathComponent(CheckpointManifest.fileName).path) {
            return try load(from: folder)
        }
        guard FileManager.default.fileExists(atPath: folder.path) else {
            throw CheckpointError(path: folder.path, problem: "does not exist")
        }
        if isAdapterOnly(folder) { return try loadAdapterFolder(folder) }
        return try assemble(folder: folder) { name in
            let url = folder.appendingPathComponent(name)
            return FileManager.default.fileExists(atPath: url.path) ? try CheckpointFile.read(url) : nil
        }
    }

    /// Parses the files `contents` returns (nil for a file that is absent).
    private static func assemble(folder: URL, contents: (String) throws -> Data?) throws -> Checkpoint {
        func path(_ name: String) -> String { folder.appendingPathComponent(name).path }
        func required(_ name: String) throws -> Data {
            guard let data = try contents(name) else {
                throw CheckpointError(
                    path: path(name),
                    problem: "is missing; a checkpoint folder needs model.safetensors, config.json and tokenizer.json")
            }
            return data
        }
        let model = try SafeTensors.decode(try required(FileName.model), path: path(FileName.model))
        let configJSON = try required(FileName.config)
        _ = try JSONText.object(configJSON, path: path(FileName.config))
        let tokenizer = try BPETokenizer(jsonData: try required(FileName.tokenizer), path: path(FileName.tokenizer))
        let optimizer = try contents(FileName.optimizer).map {
            try SafeTensors.decode($0, path: path(FileName.optimizer))
        }
        let trainerState = try contents(FileName.trainerState).map {
            try TrainerState(jsonData: $0, path: path(FileName.trainerState))
        }
        let adapter = try PEFTAdapter.read(contents: contents, folder: folder)
        var metadata = model.metadata
        metadata["format"] = nil
        var checkpoint = Checkpoint(
            modelTensors: model.tensors, configJSON: configJSON, tokenizer: tokenizer,
            optimizerTensors: optimizer?.tensors, trainerState: trainerState, metadata: metadata, adapter: adapter)
        checkpoint.folder = folder
        return checkpoint
    }
}
