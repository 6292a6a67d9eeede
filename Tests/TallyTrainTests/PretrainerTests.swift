import Foundation
import TallyEngine
import TallyIO
import TallyStore
import Testing

@testable import TallyTrain

// Serialized: two models training at once in one process share OpenBLAS, whose concurrent sgemm calls
// were seen to give run-to-run differences; the bit-identical resume tests need one model at a time.
@Suite(.serialized) struct PretrainerTests {
    /// A run killed after its step-4 save (steps 5 and 6 lost) and run again resumes from that checkpoint and
    /// gives the same losses and final weights, bit for bit, as a run that never stopped.
    @Test func resumedRunFollowsTheUninterruptedLossCurve() throws {
        let temp = try TemporaryFolder()
        let corpus = try TextCorpus.load(from: try temp.file("corpus.txt", Tiny.corpusText))
        let configuration = Tiny.configuration(steps: 10, saveEvery: 4)
        func session(_ workspace: Workspace, _ database: TallyDatabase) throws -> PretrainingSession {
            try PretrainingSession(
                workspace: workspace, database: database, name: "base", configuration: configuration, corpus: corpus,
                tokenizer: .train(vocabularySize: 300))
        }
        let (straightSpace, straightDatabase) = try temp.workspace("straight")
        defer { straightDatabase.close() }
        var expected: [Double] = []
        _ = try session(straightSpace, straightDatabase).train(onStep: { expected.append($0.loss) })

        struct Killed: Error {}
        let (workspace, database) = try temp.workspace("killed")
        defer { database.close() }
        var losses: [Double] = []
        #expect(throws: Killed.self) {
            try session(workspace, database).session!.run(onStep: { step in
                if step.step == 7 { throw Killed() }
                if step.step <= 4 { losses.append(step.loss) }
            })
        }
        let resumed = try session(workspace, database)
        #expect(resumed.resumedFromStep == 4)
        _ = try resumed.train(onStep: { losses.append($0.loss) })
        #expect(losses == expected)
        let weights = { (space: Workspace) in
            try Data(contentsOf: space.checkpointFolder(name: "base").appendingPathComponent("model.safetensors"))
        }
        #expect(try weights(workspace) == weights(straightSpace), "final weights differ")
    }

    /// Through the workspace session: stopped at step 6 (as Ctrl-C does), rerun, finished; the database holds one
    /// run whose recorded losses equal the uninterrupted run's.
    @Test func sessionStoppedAndRerunMatchesAndRecordsMetrics() throws {
        let temp = try TemporaryFolder()
        let corpusURL = try temp.file("corpus.txt", Tiny.corpusText)
        let corpus = try TextCorpus.load(from: corpusURL)
        let configuration = Tiny.configuration(steps: 10, saveEvery: 4)

        let (straightSpace, straightDatabase) = try temp.workspace("straight")
        defer { straightDatabase.close() }
        let straight = try PretrainingSession(
            workspace: straightSpace, database: straightDatabase, name: "base", configuration: configuration,
            corpus: corpus, tokenizer: .train(vocabularySize: 300))
        var expected: [Double] = []
        let finished = try straight.train(onStep: { expected.append($0.loss) })
        guard case .finished = finished else { Issue.record("not finished: \(finished)"); return }

        let (workspace, database) = try temp.workspace("stopped")
        defer { database.close() }
        let first = try PretrainingSession(
            workspace: workspace, database: database, name: "base", configuration: configuration, corpus: corpus,
            tokenizer: .train(vocabularySize: 300))
        var losses: [Double] = []
        let stopped = try first.train(shouldStop: { losses.count == 6 }) { losses.append($0.loss) }
        #expect(stopped == .interrupted(step: 6))
        #expect(try database.checkpoint(named: "base") == nil, "an unfinished checkpoint is not registered")

        let second = try PretrainingSession(
            workspace: workspace, database: database, name: "base", configuration: configuration, corpus: corpus,
            tokenizer: .train(vocabularySize: 300))
        #expect(second.resumedFromStep == 6)
        #expect(second.runID == first.runID)
        let outcome = try second.train(onStep: { losses.append($0.loss) })
        guard case .finished = outcome else { Issue.record("not finished: \(outcome)"); return }
        #expect(losses == expected)

        let runID = try #require(second.runID)
        let recorded = try database.metric(runID: runID, name: "loss")
        #expect(recorded.map(\.step) == Array(1...10))
        #expect(recorded.map(\.value) == expected)

        // Rerunning a finished run trains nothing and reports the registered checkpoint.
        let again = try PretrainingSession(
            workspace: workspace, database: database, name: "base", configuration: configuration, corpus: corpus,
            tokenizer: nil)
        #expect(again.registered != nil)
        #expect(try again.train() == outcome)
        // Starting over under a registered name would overwrite it: refused.
        #expect(throws: TrainingError.self) {
            try PretrainingSession(
                workspace: workspace, database: database, name: "base", configuration: configuration, corpus: corpus,
                tokenizer: .train(vocabularySize: 300), fresh: true)
        }
    }

    /// The registered checkpoint names the files it was saved as: its SHA-256 is the weights file's.
    @Test func finishedCheckpointIsRegisteredWithTheHashOfItsWeights() throws {
        let temp = try TemporaryFolder()
        let corpus = try TextCorpus.load(from: try temp.file("corpus.txt", Tiny.corpusText))
        let (workspace, database) = try temp.workspace()
        defer { database.close() }
        let session = try PretrainingSession(
            workspace: workspace, database: database, name: "tiny-base", configuration: Tiny.configuration(steps: 3),
            corpus: corpus, tokenizer: .train(vocabularySize: 300))
        let outcome = try session.train()
        let record = try #require(try database.checkpoint(named: "tiny-base"))
        #expect(outcome == .finished(checkpointID: record.id, sha256: record.sha256))
        #expect(record.kind == .base)
        #expect(record.path == "checkpoints/tiny-base")
        let weights = workspace.root.appendingPathComponent(record.path).appendingPathComponent("model.safetensors")
        #expect(CheckpointManifest.sha256Hex(try Data(contentsOf: weights)) == record.sha256)
        let config = try JSONSerialization.jsonObject(with: Data(record.config.utf8)) as? [String: Any]
        #expect((config?["model"] as? [String: Any])?["model_type"] as? String == "gpt2")
        #expect((config?["corpus"] as? [String: Any])?["sha256"] as? String == corpus.sha256)
        let loaded = try Checkpoint.load(from: workspace.root.appendingPathComponent(record.path))
        #expect(loaded.trainerState?.step == 3)
        #expect(try loaded.makeModel().config.eosTokenIds == [0])
    }

    /// On a corpus of one repeated sentence the loss falls far below its starting value, and greedy decoding from
    /// the start of the sentence then writes the rest of it.
    @Test func learnsARepetitiveCorpusAndGreedyGenerationReproducesIt() throws {
        let temp = try TemporaryFolder()
        let corpus = try TextCorpus.load(from: try temp.file("corpus.txt", Tiny.corpusText))
        let (workspace, database) = try temp.workspace()
        defer { database.close() }
        let session = try PretrainingSession(
            workspace: workspace, database: database, name: "base",
            configuration: Tiny.configuration(steps: 80, lr: 1e-2),
            corpus: corpus, tokenizer: .file(try Tiny.tokenizerFile(in: temp)))
        var losses: [Double] = []
        _ = try session.train(onStep: { losses.append($0.loss) })
        let first = try #require(losses.first)
        let last = losses.suffix(5).reduce(0, +) / 5
        #expect(first > 4, "an untrained model is near ln(vocabulary) ≈ 5.7")
        #expect(last < 0.3, "losses: \(losses)")

        let trainer = try #require(session.trainer)
        let prompt = trainer.tokenizer.encode("on the mat. the cat").map { Int32($0) }
        let output = try trainer.model.generate(
            prompts: [prompt], settings: SamplingSettings(maxNewTokens: 12, temperature: 0))
        let text = trainer.tokenizer.decode(output[0].tokens.map { Int($0) })
        #expect(text.hasPrefix(" sat on the mat. the cat sat"), "generated: \(text)")
    }

    @Test func resumingWithOtherSettingsIsRefusedNamingThem() throws {
        let temp = try TemporaryFolder()
        let corpus = try TextCorpus.load(from: try temp.file("corpus.txt", Tiny.corpusText))
        let (workspace, database) = try temp.workspace()
        defer { database.close() }
        func session(steps: Int) throws -> PretrainingSession {
            try PretrainingSession(
                workspace: workspace, database: database, name: "run", configuration: Tiny.configuration(steps: steps),
                corpus: corpus, tokenizer: .train(vocabularySize: 300))
        }
        var steps = 0
        _ = try session(steps: 4).train(shouldStop: { steps == 1 }, onStep: { steps = $0.step })
        do {
            _ = try session(steps: 8)
            Issue.record("resumed with other settings")
        } catch let error as TrainingError {
            #expect(error.description.contains("steps 4 → 8"), "\(error)")
            #expect(error.description.contains("--fresh"))
        }
    }

    /// A registered name is finished: rerunning it with other settings is refused rather than reporting the old
    /// checkpoint as the outcome of the new settings.
    @Test func aRegisteredNameWithOtherSettingsIsRefused() throws {
        let temp = try TemporaryFolder()
        let corpus = try TextCorpus.load(from: try temp.file("corpus.txt", Tiny.corpusText))
        let (workspace, database) = try temp.workspace()
        defer { database.close() }
        _ = try PretrainingSession(
            workspace: workspace, database: database, name: "base", configuration: Tiny.configuration(steps: 2),
            corpus: corpus, tokenizer: .train(vocabularySize: 300)
        ).train()
        do {
            _ = try PretrainingSession(
                workspace: workspace, database: database, name: "base", configuration: Tiny.configuration(steps: 3),
                corpus: corpus, tokenizer: nil)
            Issue.record("a registered name was reopened with other settings")
        } catch let error as TrainingError {
            #expect(error.description.contains("\"base\" is already registered"), "\(error)")
            #expect(error.description.contains("other settings"), "\(error)")
        }
    }

    /// A registered checkpoint whose folder was damaged or removed says so, naming the file, instead of blaming
    /// the settings.
    @Test func aRegisteredNameWhoseFolderIsDamagedOrGoneSaysSo() throws {
        let temp = try TemporaryFolder()
        let corpus = try TextCorpus.load(from: try temp.file("corpus.txt", Tiny.corpusText))
        let (workspace, database) = try temp.workspace()
        defer { database.close() }
        let configuration = Tiny.configuration(steps: 2)
        func reopen() throws -> PretrainingSession {
            try PretrainingSession(
                workspace: workspace, database: database, name: "base", configuration: configuration,
                corpus: corpus, tokenizer: nil)
        }
        let first = try PretrainingSession(
            workspace: workspace, database: database, name: "base", configuration: configuration, corpus: corpus,
            tokenizer: .train(vocabularySize: 300))
        _ = try first.train()

        let state = first.folder.appendingPathComponent(Checkpoint.FileName.trainerState)
        try Data("{}".utf8).write(to: state)
        let damaged = #expect(throws: TrainingError.self) { try reopen() }
        #expect(damaged?.description.contains(state.path) == true, "\(String(describing: damaged))")
        #expect(damaged?.description.contains("other settings") == false, "\(String(describing: damaged))")

        try FileManager.default.removeItem(at: first.folder)
        let gone = #expect(throws: TrainingError.self) { try reopen() }
        #expect(gone?.description.contains("does not exist") == true, "\(String(describing: gone))")
        #expect(gone?.description.contains("other settings") == false, "\(String(describing: gone))")
    }

    /// Resuming continues the same token stream, so a run saved on one corpus is not resumed on another.
    @Test func resumingOnAnotherCorpusIsRefused() throws {
        let temp = try TemporaryFolder()
        let corpus = try TextCorpus.load(from: try temp.file("corpus.txt", Tiny.corpusText))
        let other = try TextCorpus.load(from: try temp.file("other.txt", Tiny.corpusText + "the dog sat too. "))
        let (workspace, database) = try temp.workspace()
        defer { database.close() }
        let configuration = Tiny.configuration(steps: 4)
        let first = try PretrainingSession(
            workspace: workspace, database: database, name: "base", configuration: configuration, corpus: corpus,
            tokenizer: .train(vocabularySize: 300))
        var steps = 0
        #expect(try first.train(shouldStop: { steps == 2 }) { _ in steps += 1 } == .interrupted(step: 2))
        do {
            _ = try PretrainingSession(
                workspace: workspace, database: database, name: "base", configuration: configuration, corpus: other,
                tokenizer: nil)
            Issue.record("resumed on another corpus")
        } catch let error as TrainingError {
            #expect(error.description.contains("another corpus than \(other.displayName)"), "\(error)")
            #expect(error.description.contains("--fresh"), "\(error)")
        }
    }

    @Test func badCorpusLinesNameFileAndLine() throws {
        let tokenizer = try Tiny.tokenizer()
        let temp = try TemporaryFolder()
        let good = try temp.file("good.jsonl", "{\"text\": \"one\"}\n\n{\"text\": \"two\"}\n")
        #expect(try TextCorpus.load(from: good).documents == ["one", "two"])
        let missing = try temp.file("c.jsonl", "{\"text\": \"one\"}\n{\"body\": \"two\"}\n")
        #expect(throws: LineError(file: "c.jsonl", line: 2, message: "\"text\" is missing")) {
            try TextCorpus.load(from: missing, displayName: "c.jsonl")
        }
        let broken = try temp.file("d.jsonl", "{\"text\": \"one\"}\n{\"text\": \n")
        let brokenError = #expect(throws: LineError.self) {
            try TextCorpus.load(from: broken, displayName: "d.jsonl")
        }
        #expect(brokenError?.description.hasPrefix("d.jsonl:2: not valid JSON") == true)
        let tooShort = TextCorpus(documents: ["hi"]).tokenIDs(with: tokenizer)
        let model = try TransformerModel(
            config: .gpt2(vocabularySize: tokenizer.vocabularySize, contextLength: 16, layers: 1, heads: 2, width: 32),
            seed: 1)
        #expect(throws: TrainingError.self) {
            try PretrainTrainer(model: model, tokenizer: tokenizer, tokens: tooShort, context: 16)
        }
    }
}
