import Foundation
import TallyEngine
import TallyStore
import TallyWorld
import Testing

@testable import TallyTrain

/// SFT and reward models through the shared session, on task-world labels whose right answers are known.
/// Serialized: one model trains at a time (the resume tests compare weights bit for bit).
@Suite(.serialized) struct FineTuningTests {
    /// SFT lowers the held-out loss of the known answers (refusals of harmful requests, letter counts), records
    /// its run and registers an sft checkpoint.
    @Test func sftLearnsTheDemonstrations() throws {
        let temp = try TemporaryFolder()
        let (workspace, database) = try LabeledWorkspace.make(
            in: temp, train: 40, eval: 10, families: ["harmful", "letter-count"], rankings: false)
        defer { database.close() }
        let run = try SFTJob.prepare(
            LabeledWorkspace.request(steps: 40, lr: 1e-2), includeChosen: false, workspace: workspace,
            database: database)
        let before = try #require(try run.trainer?.evaluate()["loss"])
        let session = try #require(run.session)
        guard case .finished(let id, _) = try session.run() else { Issue.record("not finished"); return }
        let after = try #require(session.lastEval["loss"])
        #expect(after < before - 1, "eval loss \(before) → \(after)")
        let record = try #require(try database.checkpoint(id: id))
        #expect(record.kind == .sft && record.parentID == run.parent.record.id)
        let stored = try #require(try database.trainingRun(id: session.runID))
        #expect(stored.status == .finished && stored.outputCheckpointID == id && stored.lastStep == 40)
        #expect(try database.finalMetrics(runID: session.runID)["eval/loss"] == after)
    }

    /// The loss covers only the final assistant reply: the prompt's turns (an earlier assistant turn included)
    /// have no targets.
    @Test func onlyTheFinalReplyIsTrained() throws {
        let checkpoint = try LabeledWorkspace.tinyBase()
        let renderer = try ExampleRenderer(tokenizer: checkpoint.tokenizer, contextLength: 96)
        let prompt = PromptContent.messages([
            Message(role: "user", content: "Add 2 and 3."), Message(role: "assistant", content: "5"),
            Message(role: "user", content: "And 4 more?"),
        ])
        let example = renderer.render(prompt, response: "9")
        let batch = try TokenBatch(sequences: [example.tokens], promptLengths: [example.promptCount])
        let trained = batch.targets.filter { $0 >= 0 }
        let reply = checkpoint.tokenizer.encode("9", allowSpecialTokens: false).map(Int32.init)
        #expect(trained == reply + [Int32(renderer.chat.turnEndID)])
    }

    /// A run that dies after its step-4 save (as with kill -9) and is prepared again resumes at step 4 and ends
    /// with weights byte-identical to a run never interrupted; one that is asked to stop (Ctrl-C) saves where it
    /// stands and resumes too.
    @Test(arguments: ["sft", "rm"])
    func interruptedRunsResumeToIdenticalWeights(kind: String) throws {
        let temp = try TemporaryFolder()
        func prepare(_ workspace: Workspace, _ database: TallyDatabase) throws -> PreparedRun {
            let request = LabeledWorkspace.request(steps: 10, saveEvery: 4, name: "model")
            if kind == "sft" {
                return try SFTJob.prepare(request, includeChosen: false, workspace: workspace, database: database)
            }
            try registerCopy(of: "base", as: "sft", workspace: workspace, database: database)
            return try RewardModelJob.prepare(
                request, settings: RewardModelSettings(), workspace: workspace, database: database
            ).run
        }
        struct Killed: Error {}

        let (straightSpace, straightDatabase) = try LabeledWorkspace.make(in: temp, name: "straight")
        defer { straightDatabase.close() }
        _ = try #require(try prepare(straightSpace, straightDatabase).session).run()

        let (space, database) = try LabeledWorkspace.make(in: temp, name: "killed")
        defer { database.close() }
        let first = try #require(try prepare(space, database).session)
        #expect(throws: Killed.self) { try first.run(onStep: { if $0.step == 6 { throw Killed() } }) }
        #expect(try database.trainingRun(id: first.runID)?.status == .failed)

        let second = try prepare(space, database)
        #expect(second.session?.resumedFromStep == 4)
        var stopAt7 = false
        let stopped = try #require(second.session).run(shouldStop: { stopAt7 }, onStep: { stopAt7 = $0.step == 7 })
        guard case .interrupted(step: 7) = stopped else { Issue.record("not stopped at 7: \(stopped)"); return }
        #expect(try database.trainingRun(id: first.runID)?.status == .stopped)

        let third = try prepare(space, database)
        #expect(third.session?.resumedFromStep == 7)
        guard case .finished = try #require(third.session).run() else { Issue.record("not finished"); return }
        #expect(try LabeledWorkspace.weights(space, "model") == LabeledWorkspace.weights(straightSpace, "model"))
        #expect(try database.trainingRuns().count == 1)
        let losses = try database.metrics(runID: first.runID).filter { $0.name == "loss" }.map(\.step)
        #expect(losses == Array(1...10))

        // Run again, it is finished: nothing trains, nothing is overwritten.
        let again = try prepare(space, database)
        #expect(again.session == nil && again.finished?.name == "model")
    }

    /// On rankings that follow the oracle, the reward model learns to order held-out responses as the oracle
    /// does, and its normalisation bias centres the demonstrations' rewards on 0.
    @Test func rewardModelLearnsTheOraclesOrder() throws {
        let temp = try TemporaryFolder()
        let (workspace, database) = try LabeledWorkspace.make(
            in: temp, train: 40, eval: 16, families: ["harmful", "letter-count"])
        defer { database.close() }
        try registerCopy(of: "base", as: "sft", workspace: workspace, database: database)
        var request = LabeledWorkspace.request(steps: 40, lr: 1e-2)
        request.truncate = true
        let (run, eval) = try RewardModelJob.prepare(
            request, settings: RewardModelSettings(), workspace: workspace,
            database: database)
        let trainer = try #require(run.trainer as? RewardModelTrainer)
        func oracleAccuracy() throws -> Double {
            let evaluation = try RewardModelEvaluation.evaluate(
                rankings: eval, sequences: trainer.eval.map(\.sequences), score: trainer.scores)
            return try #require(evaluation.oracleAccuracy)
        }
        let before = try oracleAccuracy()
        guard case .finished = try #require(run.session).run() else { Issue.record("not finished"); return }
        let after = try oracleAccuracy()
        #expect(after >= 0.85 && after > before, "oracle accuracy \(before) → \(after)")

        let scorer = try RewardScorer(
            checkpoint: try Checkpoint.load(from: workspace.checkpointFolder(name: "rm")))
        #expect(abs(scorer.bias - trainer.bias) < 1e-12 && scorer.bias != 0)
        let rewards = try trainer.demonstrations.map { try scorer.rawScores([$0])[0] + scorer.bias }
        #expect(abs(rewards.reduce(0, +) / Double(rewards.count)) < 1e-4)
    }

    /// Bad input fails before a run row exists: no demonstrations, no rankings, a reward model as the parent.
    @Test func badInputLeavesNoRun() throws {
        let temp = try TemporaryFolder()
        let (workspace, database) = try temp.workspace()
        defer { database.close() }
        let base = try LabeledWorkspace.tinyBase()
        let manifest = try base.save(to: workspace.checkpointFolder(name: "base"))
        try database.registerCheckpoint(
            name: "base", kind: .base, path: Workspace.checkpointPath(name: "base"), config: "{}",
            sha256: manifest.files[Checkpoint.FileName.model]!.sha256)
        try database.registerCheckpoint(
            name: "rm", kind: .rm, path: Workspace.checkpointPath(name: "base"), config: "{}",
            sha256: manifest.files[Checkpoint.FileName.model]!.sha256)
        let request = LabeledWorkspace.request(steps: 2)
        #expect(throws: TrainingError.self) {
            try SFTJob.prepare(request, includeChosen: false, workspace: workspace, database: database)
        }
        #expect(throws: TrainingError.self) {
            try RewardModelJob.prepare(
                request, settings: RewardModelSettings(), workspace: workspace, database: database)
        }
        var fromRM = request
        fromRM.from = "rm"
        _ = try database.addPrompt(.text("Say hi."), source: "api", split: .train)
        do {
            _ = try SFTJob.prepare(fromRM, includeChosen: false, workspace: workspace, database: database)
            Issue.record("an rm parent was accepted")
        } catch let error as TrainingError {
            #expect(error.description.contains("rm checkpoint"))
        }
        #expect(try database.trainingRuns().isEmpty)
    }

    /// Registers the checkpoint `name` again as `copy` (same folder), kind sft.
    private func registerCopy(of name: String, as copy: String, workspace: Workspace, database: TallyDatabase) throws {
        let record = try #require(try database.checkpoint(named: name))
        guard try database.checkpoint(named: copy) == nil else { return }
        try database.registerCheckpoint(
            name: copy, kind: .sft, parentID: record.id, path: record.path, config: "{}", sha256: record.sha256)
    }
}

/// The shared loop's gradient accumulation: a step split into micro-batches gets the gradient of the whole batch.
@Suite struct MicroBatchTests {
    @Test(arguments: ["sft", "rm"]) func microBatchesAccumulateTheWholeBatchsGradient(kind: String) throws {
        let temp = try TemporaryFolder()
        let (workspace, database) = try LabeledWorkspace.make(in: temp, train: 8, eval: 0)
        defer { database.close() }
        var request = LabeledWorkspace.request(steps: 1)
        request.truncate = true
        request.name = "whole"
        let trainer: any SessionTrainer
        if kind == "sft" {
            trainer = try #require(
                try SFTJob.prepare(request, includeChosen: false, workspace: workspace, database: database).trainer)
        } else {
            let record = try #require(try database.checkpoint(named: "base"))
            try database.registerCopy(record, as: "sft")
            trainer = try #require(
                try RewardModelJob.prepare(
                    request, settings: RewardModelSettings(), workspace: workspace, database: database
                )
                .run.trainer)
        }
        let model = trainer.model
        let examples = Array(0..<4)
        let normalizer = examples.reduce(0.0) { $0 + trainer.normalizerWeight(of: $1) }
        model.zeroGradients()
        _ = try trainer.accumulate(examples: examples, normalizer: normalizer)
        let whole = Array(UnsafeBufferPointer(start: model.gradients, count: model.parameterCount))
        model.zeroGradients()
        for example in examples { _ = try trainer.accumulate(examples: [example], normalizer: normalizer) }
        let parts = Array(UnsafeBufferPointer(start: model.gradients, count: model.parameterCount))
        let scale = whole.map(abs).max() ?? 1
        let worst = zip(whole, parts).map { abs($0 - $1) }.max() ?? 0
        #expect(scale > 0 && worst <= 1e-5 * scale, "largest difference \(worst) of \(scale)")
    }
}

extension TallyDatabase {
    /// Registers `record`'s folder again under `name` as an sft checkpoint.
    fileprivate func registerCopy(_ record: CheckpointRecord, as name: String) throws {
        try registerCheckpoint(
            name: name, kind: .sft, parentID: record.id, path: record.path, config: "{}", sha256: record.sha256)
    }
}
