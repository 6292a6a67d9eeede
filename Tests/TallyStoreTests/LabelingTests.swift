import Foundation
import GRDB
import Testing

@testable import TallyStore

@Suite struct LabelingTests {
    @Test func labelersAreCreatedOnceAndKeepTheirRole() throws {
        let temp = try TemporaryFolder()
        let (_, database) = try temp.workspace()
        let admin = try database.labeler(named: "ada", role: .admin)
        let again = try database.labeler(named: "ada", role: .labeler)
        #expect(admin == again)
        #expect(again.role == .admin)
        // Beside the workspace's creator, its first admin.
        #expect(try database.labelers().map(\.name).sorted() == ["ada", SystemAccount.current].sorted())
    }

    @Test func instructionVersionsAreIdentifiedByHash() throws {
        let temp = try TemporaryFolder()
        let (workspace, database) = try temp.workspace()
        #expect(try database.currentInstructionVersion() == nil)
        let first = try database.recordInstructions(text: "Be helpful.")
        let second = try database.recordInstructions(text: "Be helpful and brief.")
        #expect(first.id != second.id)
        #expect(try database.currentInstructionVersion() == second)
        #expect(try database.recordInstructions(text: "Be helpful.").id == first.id)
        #expect(try database.currentInstructionVersion()?.id == first.id)
        try workspace.writeStarterInstructions()
        let fromFolder = try #require(try database.recordInstructions(fromFolder: workspace.instructionsURL))
        #expect(fromFolder.text == Workspace.starterGuidelines)
    }

    @Test func overlapSendsEachItemToNDifferentLabelers() throws {
        let temp = try TemporaryFolder()
        let (_, database) = try temp.workspace()
        try database.setOverlapTarget(2)
        for index in 0..<3 { try database.addPrompt(.text("Prompt \(index)")) }
        let people = try ["a", "b", "c"].map { try database.labeler(named: $0) }
        var done: [String: [Int64]] = [:]
        // Each labeler works until their queue is empty.
        for person in people {
            while let task = try database.nextDemonstrationTask(for: person) {
                try database.submitDemonstration(assignmentID: task.assignmentID, text: "by \(person.name)")
                done[person.name, default: []].append(task.prompt.id)
            }
        }
        #expect(done["a"] == [1, 2, 3])
        #expect(done["b"] == [1, 2, 3])
        #expect(done["c"] == nil)
        #expect(try database.queueCounts(for: people[2]).demonstrations == 0)
        #expect(try database.status().demonstrations == 6)
    }

    @Test func tasksNeverShowOtherLabelersWork() throws {
        let temp = try TemporaryFolder()
        let (_, database) = try temp.workspace()
        try database.setOverlapTarget(2)
        let prompt = try database.addPrompt(.text("Explain tides."))
        let draft = try database.insertDraft(
            promptID: prompt, author: .endpoint(model: "helper-7b"), text: "Model draft")
        let a = try database.labeler(named: "a")
        let b = try database.labeler(named: "b")
        let taskA = try #require(try database.nextDemonstrationTask(for: a))
        try database.saveDemonstrationDraft(assignmentID: taskA.assignmentID, text: "A's half-written answer")
        let taskB = try #require(try database.nextDemonstrationTask(for: b))
        #expect(taskB.drafts == [DraftSuggestion(id: draft, text: "Model draft")])
        #expect(taskB.savedDraftText == nil)
        try database.submitDemonstration(
            assignmentID: taskB.assignmentID, text: "B's answer", startedFromDrafts: [draft])
        // A comes back to their own autosaved text, not B's submission.
        let resumed = try #require(try database.nextDemonstrationTask(for: a))
        #expect(resumed.assignmentID == taskA.assignmentID)
        #expect(resumed.savedDraftText == "A's half-written answer")
        #expect(resumed.drafts.count == 1)
    }

    @Test func rankingTasksCarryCritiquesAndValidateTiers() throws {
        let temp = try TemporaryFolder()
        let (_, database) = try temp.workspace()
        let prompt = try database.addPrompt(.text("2+2?"))
        let checkpoint = try database.registerCheckpoint(
            name: "sft-1", kind: .sft, path: "checkpoints/1", config: "{}", sha256: String(repeating: "0", count: 64))
        let ids = try database.insertResponses(
            promptID: prompt, texts: ["4", "5", "four"], origin: .model, checkpointID: checkpoint,
            sampling: SamplingParameters(temperature: 0.7, topP: 0.9), seed: 7)
        try database.insertCritique(responseID: ids[1], author: .checkpoint(checkpoint), text: "Wrong sum.")
        let alice = try database.labeler(named: "alice")
        let task = try #require(try database.nextRankingTask(for: alice))
        #expect(task.responses.map(\.text).sorted() == ["4", "5", "four"])
        #expect(task.responses.first { $0.id == ids[1] }?.critiques == ["Wrong sum."])
        #expect(try database.response(id: ids[0]).sampling?.temperature == 0.7)
        #expect(try database.response(id: ids[0]).seed == 7)

        #expect(throws: StoreError.self) {  // a response missing
            try database.submitRanking(assignmentID: task.assignmentID, tiers: [[ids[0]], [ids[1]]])
        }
        #expect(throws: StoreError.self) {  // a response twice
            try database.submitRanking(assignmentID: task.assignmentID, tiers: [[ids[0], ids[1]], [ids[1], ids[2]]])
        }
        let version = try database.recordInstructions(text: "v1")
        let ranking = try database.submitRanking(
            assignmentID: task.assignmentID, tiers: [[ids[0], ids[2]], [ids[1]]], noneAcceptable: false,
            flags: [LabelFlag(kind: .factualError, responseID: ids[1], note: "5 is wrong")], secondsSpent: 12.5)
        #expect(throws: StoreError.self) {  // submitted twice
            try database.submitRanking(assignmentID: task.assignmentID, tiers: [[ids[0], ids[1], ids[2]]])
        }
        let stored = try database.read { db in
            try Row.fetchOne(
                db, sql: "SELECT instructionVersionId, secondsSpent FROM ranking WHERE id = ?", arguments: [ranking])
        }
        #expect(stored?["instructionVersionId"] == version.id)
        #expect(try database.status().flags == 1)
        #expect(try database.preferencePairs().count == 2)
    }

    @Test func rankingDisplayOrderIsStablePerAssignmentAndVariesAcrossLabelers() throws {
        let temp = try TemporaryFolder()
        let (_, database) = try temp.workspace()
        try database.setOverlapTarget(20)
        let prompt = try database.addPrompt(.text("Order?"))
        let ids = try database.insertResponses(promptID: prompt, texts: ["a", "b", "c", "d", "e"])
        var orders: Set<[Int64]> = []
        for index in 0..<20 {
            let person = try database.labeler(named: "labeler\(index)")
            let task = try #require(try database.nextRankingTask(for: person))
            #expect(Set(task.responses.map(\.id)) == Set(ids))
            let again = try #require(try database.nextRankingTask(for: person))  // resumed: same order
            #expect(again.responses == task.responses)
            orders.insert(task.responses.map(\.id))
        }
        #expect(orders.count > 5)
    }

    @Test func comparisonsRecordOutcomeAndStrength() throws {
        let temp = try TemporaryFolder()
        let (_, database) = try temp.workspace()
        let prompt = try database.addPrompt(.text("Pick one"))
        let ids = try database.insertResponses(promptID: prompt, texts: ["left", "right"], queueAs: .comparison)
        let alice = try database.labeler(named: "alice")
        #expect(try database.queueCounts(for: alice) == QueueCounts(demonstrations: 1, rankings: 0, comparisons: 1))
        let task = try #require(try database.nextComparisonTask(for: alice))
        #expect(task.responseA.id == ids[0] && task.responseB.id == ids[1])
        #expect(throws: StoreError.self) {
            try database.submitComparison(assignmentID: task.assignmentID, outcome: .b, strength: 3)
        }
        try database.submitComparison(assignmentID: task.assignmentID, outcome: .b, strength: 0.75)
        let pairs = try database.preferencePairs()
        #expect(pairs.map { [$0.chosenID, $0.rejectedID] } == [[ids[1], ids[0]]])
        #expect(try database.nextComparisonTask(for: alice) == nil)
    }

    @Test func undoTakesBackTheLastSubmissionAndRequeuesIt() throws {
        let temp = try TemporaryFolder()
        let (_, database) = try temp.workspace()
        try database.addPrompt(.text("First"))
        try database.addPrompt(.text("Second"))
        let alice = try database.labeler(named: "alice")
        #expect(try database.undoLastSubmission(for: alice) == nil)
        let first = try #require(try database.nextDemonstrationTask(for: alice))
        try database.submitDemonstration(
            assignmentID: first.assignmentID, text: "one", flags: [LabelFlag(kind: .note, note: "odd prompt")])
        let second = try #require(try database.nextDemonstrationTask(for: alice))
        try database.submitDemonstration(assignmentID: second.assignmentID, text: "two")
        #expect(try database.status().demonstrations == 2)

        let undone = try #require(try database.undoLastSubmission(for: alice))
        #expect(undone.assignmentID == second.assignmentID && undone.kind == .demonstration)
        #expect(try database.status().demonstrations == 1)
        let back = try #require(try database.nextDemonstrationTask(for: alice))
        #expect(back.assignmentID == second.assignmentID)
        #expect(back.savedDraftText == "two")

        let again = try #require(try database.undoLastSubmission(for: alice))
        #expect(again.assignmentID == first.assignmentID)
        #expect(try database.status().flags == 0)  // the flag went with its demonstration
        #expect(try database.nextDemonstrationTask(for: alice)?.assignmentID == first.assignmentID)
    }

    @Test func skippedTasksGoToSomeoneElse() throws {
        let temp = try TemporaryFolder()
        let (_, database) = try temp.workspace()
        try database.addPrompt(.text("Hard one"))
        let a = try database.labeler(named: "a")
        let b = try database.labeler(named: "b")
        let task = try #require(try database.nextDemonstrationTask(for: a))
        #expect(try database.nextDemonstrationTask(for: b) == nil)  // the only slot is taken
        try database.skipTask(assignmentID: task.assignmentID)
        #expect(try database.nextDemonstrationTask(for: a) == nil)
        #expect(try database.nextDemonstrationTask(for: b)?.prompt.content == .text("Hard one"))
        #expect(try database.status().labelers.first { $0.name == "a" }?.skipped == 1)
    }

    @Test func checkpointsTrainingRunsAndBattlesAreRecorded() throws {
        let temp = try TemporaryFolder()
        let (_, database) = try temp.workspace()
        let hash = String(repeating: "ab", count: 32)
        let base = try database.registerCheckpoint(
            name: "base", kind: .base, path: "checkpoints/1", config: "{}", sha256: hash)
        #expect(throws: StoreError.self) {
            try database.registerCheckpoint(name: "base", kind: .base, path: "x", config: "{}", sha256: hash)
        }
        let run = try database.startTrainingRun(kind: .sft, baseCheckpointID: base, config: #"{"lr": 0.001}"#)
        try database.recordMetrics(runID: run, step: 1, values: ["loss": 2.5, "lr": 0.001])
        try database.recordMetric(runID: run, step: 2, name: "loss", value: 2.0)
        try database.recordMetric(runID: run, step: 2, name: "loss", value: 1.9)  // a resumed run repeats a step
        #expect(try database.metric(runID: run, name: "loss").map(\.value) == [2.5, 1.9])
        let sft = try database.registerCheckpoint(
            name: "sft-1", kind: .sft, parentID: base, path: "checkpoints/2", config: "{}", sha256: hash)
        try database.finishTrainingRun(id: run, status: .finished, outputCheckpointID: sft)
        #expect(try database.checkpoint(named: "sft-1")?.parentID == base)

        let prompt = try database.addPrompt(.text("Battle prompt"))
        let a = try database.insertResponses(promptID: prompt, texts: ["x"], checkpointID: base, queueAs: nil)
        let b = try database.insertResponses(promptID: prompt, texts: ["y"], checkpointID: sft, queueAs: nil)
        try database.recordArenaBattles([
            ArenaBattleRecord(
                modelA: "base", modelB: "sft-1", outcome: .b, judgeKind: .oracle, judge: "oracle", checkpointA: base,
                checkpointB: sft, promptID: prompt, responseA: a[0], responseB: b[0], leftSide: .b, source: "test")
        ])
        let status = try database.status()
        #expect(status.checkpoints == 2 && status.trainingRuns == 1 && status.battles == 1)
    }

    @Test func demonstrationsStoreTheEditDistanceFromEachDraft() throws {
        let temp = try TemporaryFolder()
        let (_, database) = try temp.workspace()
        let prompt = try database.addPrompt(.text("Explain tides."))
        let first = try database.insertDraft(promptID: prompt, author: .endpoint(model: "m"), text: "The moon pulls.")
        let second = try database.insertDraft(promptID: prompt, author: .endpoint(model: "m"), text: "Gravity.")
        let unused = try database.insertDraft(promptID: prompt, author: .endpoint(model: "m"), text: "Unused.")
        let ada = try database.labeler(named: "ada")
        let task = try #require(try database.nextDemonstrationTask(for: ada))
        // A distance for a draft the demonstration did not start from is refused, and nothing is written.
        #expect(throws: StoreError.self) {
            try database.submitDemonstration(
                assignmentID: task.assignmentID, text: "The moon's gravity pulls the sea.",
                startedFromDrafts: [first], editDistances: [first: 3, unused: 9])
        }
        // A link to a draft that does not exist fails inside the transaction: the demonstration goes too.
        #expect(throws: (any Error).self) {
            try database.submitDemonstration(
                assignmentID: task.assignmentID, text: "The moon's gravity pulls the sea.",
                startedFromDrafts: [first, 999], editDistances: [first: 21, 999: 4])
        }
        #expect(try database.status().demonstrations == 0)
        let id = try database.submitDemonstration(
            assignmentID: task.assignmentID, text: "The moon's gravity pulls the sea.",
            startedFromDrafts: [first, second], editDistances: [first: 21, second: 26])
        #expect(
            try database.demonstrationDrafts(demonstrationID: id) == [
                DemonstrationDraftLink(draftID: first, editDistance: 21),
                DemonstrationDraftLink(draftID: second, editDistance: 26),
            ])
        // Undo takes the links back with the demonstration.
        #expect(try database.undoLastSubmission(for: ada) != nil)
        #expect(try database.demonstrationDrafts(demonstrationID: id).isEmpty)
    }

    @Test func upcomingDemonstrationsAreWhatNextWouldGiveWithoutClaiming() throws {
        let temp = try TemporaryFolder()
        let (_, database) = try temp.workspace()
        try database.setOverlapTarget(1)
        let prompts = try (0..<4).map { try database.addPrompt(.text("Prompt \($0)")) }
        let draft = try database.insertDraft(promptID: prompts[2], author: .endpoint(model: "m"), text: "Draft")
        let ada = try database.labeler(named: "ada")
        let bob = try database.labeler(named: "bob")
        // Bob holds prompt 0 (overlap 1: nobody else gets it); Ada skips prompt 1 and holds prompt 2, unfinished.
        #expect(try database.nextDemonstrationTask(for: bob)?.prompt.id == prompts[0])
        let adaTask = try #require(try database.nextDemonstrationTask(for: ada))
        #expect(adaTask.prompt.id == prompts[1])
        try database.skipTask(assignmentID: adaTask.assignmentID)
        let held = try #require(try database.nextDemonstrationTask(for: ada))
        #expect(held.prompt.id == prompts[2])

        let upcoming = try database.upcomingDemonstrationTasks(for: ada, limit: 3)
        // Her unfinished one first (with its stored draft), then open ones; never Bob's, never the skipped one.
        #expect(upcoming.map(\.prompt.id) == [prompts[2], prompts[3]])
        #expect(upcoming.map(\.assignmentID) == [held.assignmentID, nil])
        #expect(upcoming[0].drafts == [DraftSuggestion(id: draft, text: "Draft")])
        #expect(try database.upcomingDemonstrationTasks(for: ada, limit: 1).map(\.prompt.id) == [prompts[2]])
        // Reading claimed nothing: the open task is still free, and next gives exactly what was listed.
        let bobsUpcoming = try database.upcomingDemonstrationTasks(for: bob, limit: 5)
        #expect(bobsUpcoming.map(\.prompt.id) == [prompts[0], prompts[1], prompts[3]])
        try database.submitDemonstration(assignmentID: held.assignmentID, text: "Done")
        #expect(try database.nextDemonstrationTask(for: ada)?.prompt.id == prompts[3])
        #expect(try database.upcomingDemonstrationTasks(for: ada, limit: 3).map(\.prompt.id) == [prompts[3]])
    }

    @Test func flaggedItemsListNewestFirstWithPromptNoteLabelerAndTime() throws {
        let temp = try TemporaryFolder()
        let (_, database) = try temp.workspace()
        try database.setOverlapTarget(1)
        let first = try database.addPrompt(.text("Find her address."))
        let second = try database.addPrompt(
            .messages([
                Message(role: "user", content: "Hi"), Message(role: "assistant", content: "Hello."),
                Message(role: "user", content: "Who won in 1990?"),
            ]))
        #expect(try database.flaggedItems(limit: 5).isEmpty)
        let before = Date().addingTimeInterval(-1)
        for (name, flags) in [
            ("bob", [LabelFlag(kind: .pii, note: "asks for an address"), LabelFlag(kind: .harmful)]),
            ("cy", [LabelFlag(kind: .factualError, note: "wrong year")]),
        ] {
            let labeler = try database.labeler(named: name)
            let task = try #require(try database.nextDemonstrationTask(for: labeler))
            try database.submitDemonstration(assignmentID: task.assignmentID, text: "Answer", flags: flags)
        }
        let items = try database.flaggedItems(limit: 10)
        #expect(items.map(\.kind) == [.factualError, .harmful, .pii])
        #expect(items.map(\.prompt.id) == [second, first, first])
        #expect(items.map(\.labelerName) == ["cy", "bob", "bob"])
        #expect(items.map(\.note) == ["wrong year", nil, "asks for an address"])
        #expect(items[0].prompt.content.asMessages.last?.content == "Who won in 1990?")
        #expect(items.allSatisfy { $0.createdAt >= before && $0.createdAt <= Date() })
        #expect(try database.flaggedItems(limit: 1).map(\.kind) == [.factualError])
        #expect(try database.flaggedItems(limit: 0).isEmpty)
        // Undo takes the flags back with the label.
        #expect(try database.undoLastSubmission(for: try database.labeler(named: "cy")) != nil)
        #expect(try database.flaggedItems(limit: 10).map(\.kind) == [.harmful, .pii])
    }
}
