import Foundation
import TallyEngine
import TallyStore

@testable import TallyTrain

/// A fresh temporary folder, removed when the value is released.
final class TemporaryFolder {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory
            .appendingPathComponent("tally-train-tests-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: url) }

    /// Writes `text` to `name` and returns its URL.
    func file(_ name: String, _ text: String) throws -> URL {
        let file = url.appendingPathComponent(name)
        try Data(text.utf8).write(to: file)
        return file
    }

    /// A new workspace in a sub-folder, with its database open.
    func workspace(_ name: String = "ws") throws -> (Workspace, TallyDatabase) {
        let workspace = try Workspace.create(at: url.appendingPathComponent(name, isDirectory: true))
        return (workspace, try workspace.openDatabase())
    }
}

enum Tiny {
    /// A repetitive corpus: one sentence, over and over.
    static let sentence = "the cat sat on the mat. "
    static let corpusText = String(repeating: sentence, count: 120)

    /// A small GPT-2 run: fast in a debug build.
    static func configuration(steps: Int, saveEvery: Int = 0, lr: Float = 3e-3, seed: UInt64 = 7)
        -> PretrainingConfiguration
    {
        PretrainingConfiguration(
            architecture: "gpt2", layers: 1, heads: 2, width: 32, context: 16, batchSize: 4,
            optimization: OptimizationSettings(steps: steps, peakLearningRate: lr, warmupSteps: 5),
            seed: seed, saveEvery: saveEvery)
    }

    /// The tokenizer learned on the corpus (deterministic: every call gives the same one).
    static func tokenizer() throws -> BPETokenizer {
        try BPETrainer(vocabularySize: 300).train(on: corpusText)
    }

    /// That tokenizer as a `tokenizer.json` in `folder`.
    static func tokenizerFile(in folder: TemporaryFolder) throws -> URL {
        let url = folder.url.appendingPathComponent("tokenizer.json")
        try tokenizer().jsonData().write(to: url)
        return url
    }
}
