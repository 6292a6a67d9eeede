import Foundation
import TallyEngine
import TallyStore
import TallyWorld

@testable import TallyTrain

/// A workspace with task-world prompts labeled the way the oracle would (a demonstration per prompt: the
/// canonical answer; a ranking per prompt: a good answer above a wrong one above a run-on), and a tiny base
/// model registered as `base`: data whose right answer is known, small enough for debug-build tests.
enum LabeledWorkspace {
    static let world = World.standard

    /// The world prompts the workspace holds: `train` of the train split, `eval` of the eval split.
    static func prompts(train: Int, eval: Int, families: [String]? = nil) -> [(WorldPrompt, Split)] {
        world.prompts(split: .train, count: train, seed: 3, families: families).map { ($0, Split.train) }
            + world.prompts(split: .eval, count: eval, seed: 3, families: families).map { ($0, Split.eval) }
    }

    /// Fills `database` and registers a tiny model trained on nothing as `base`.
    static func make(
        in folder: TemporaryFolder, name: String = "ws", train: Int = 24, eval: Int = 8, families: [String]? = nil,
        rankings: Bool = true
    ) throws -> (Workspace, TallyDatabase) {
        let (workspace, database) = try folder.workspace(name)
        let labeler = try database.labeler(named: "oracle")
        var writer = SplitMix64(seed: 5, purpose: "test")
        let responseWriter = ResponseWriter(world: world)
        for (prompt, split) in prompts(train: train, eval: eval, families: families) {
            let promptID = try database.addPrompt(.text(prompt.text), source: "world", split: split)
            if rankings {
                let good = prompt.canonicalAnswer
                let wrong = responseWriter.response(to: prompt, style: .wrong, using: &writer)
                let runOn = responseWriter.response(to: prompt, style: .runOn, using: &writer)
                let texts = [runOn, good, wrong]
                let ids = try database.insertResponses(promptID: promptID, texts: texts)
                let scores = texts.map { Oracle.score(prompt, response: $0).total }
                let order = ids.indices.sorted { scores[$0] > scores[$1] }
                var tiers: [[Int64]] = []
                var last = Double.infinity
                for index in order {
                    if abs(last - scores[index]) < 1e-9 {
                        tiers[tiers.count - 1].append(ids[index])
                    } else {
                        tiers.append([ids[index]])
                    }
                    last = scores[index]
                }
                guard let task = try database.nextRankingTask(for: labeler) else { fatalError("no ranking task") }
                try database.submitRanking(assignmentID: task.assignmentID, tiers: tiers)
            }
        }
        while let task = try database.nextDemonstrationTask(for: labeler) {
            guard let prompt = world.recognize(task.prompt.content.asMessages[0].content) else { break }
            try database.submitDemonstration(assignmentID: task.assignmentID, text: prompt.canonicalAnswer)
        }
        let base = try tinyBase()
        let manifest = try base.save(to: workspace.checkpointFolder(name: "base"))
        try database.registerCheckpoint(
            name: "base", kind: .base, path: Workspace.checkpointPath(name: "base"), config: "{}",
            sha256: manifest.files[Checkpoint.FileName.model]!.sha256)
        return (workspace, database)
    }

    /// A 1-layer GPT-2 of width 32 with a tokenizer learned on world transcripts (chat tokens included).
    static func tinyBase() throws -> Checkpoint {
        let text = prompts(train: 60, eval: 0).map {
            World.transcript(prompt: $0.0.text, response: $0.0.canonicalAnswer)
        }
        .joined(separator: "\n")
        let tokenizer = try BPETrainer(vocabularySize: 420).train(on: text)
        let model = try TransformerModel(
            config: .gpt2(
                vocabularySize: tokenizer.vocabularySize, contextLength: 192, layers: 1, heads: 2, width: 32),
            seed: 11)
        return try Checkpoint(model: model, tokenizer: tokenizer)
    }

    /// A training request for tests: small batches, `steps` steps, saves every `saveEvery`.
    static func request(steps: Int, saveEvery: Int = 0, lr: Float = 3e-3, name: String? = nil) -> TrainingRequest {
        TrainingRequest(
            name: name, epochs: 1, steps: steps, learningRate: lr, warmupSteps: 2, batchSize: 4, microBatchSize: 2,
            evalEvery: 0, saveEvery: saveEvery, seed: 9)
    }

    /// The bytes of a registered checkpoint's weights.
    static func weights(_ workspace: Workspace, _ name: String) throws -> Data {
        try Data(contentsOf: workspace.checkpointFolder(name: name).appendingPathComponent(Checkpoint.FileName.model))
    }
}
