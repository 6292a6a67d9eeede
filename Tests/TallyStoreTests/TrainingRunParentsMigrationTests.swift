import Foundation
import Testing

@testable import TallyStore

@Suite struct TrainingRunParentsMigrationTests {
    /// A v5 database keeps its checkpoints, runs and metrics through v6, which then records parents by role,
    /// names, planned steps and errors, and accepts the RL kinds.
    @Test func runsSurviveAndGainParentsByRole() throws {
        let temp = try TemporaryFolder()
        let url = temp.url.appendingPathComponent("old.sqlite")
        do {
            let old = try TallyDatabase.open(at: url, migratingUpTo: "v5-bulk-table-checks")
            let base = try old.registerCheckpoint(
                name: "base", kind: .base, path: "checkpoints/base", config: "{}", sha256: "ab")
            let run = try old.startTrainingRun(kind: .sft, baseCheckpointID: base, config: "{\"lr\": 1}")
            try old.recordMetrics(runID: run, step: 3, values: ["loss": 2.5])
            try old.finishTrainingRun(id: run, status: .finished, outputCheckpointID: nil)
            #expect(throws: (any Error).self) {
                try old.registerCheckpoint(name: "v", kind: .value, path: "checkpoints/v", config: "{}", sha256: "cd")
            }
            old.close()
        }
        let database = try TallyDatabase.open(at: url)
        defer { database.close() }
        let runs = try database.trainingRuns()
        #expect(runs.count == 1)
        #expect(runs[0].kind == .sft && runs[0].status == .finished && runs[0].parents.initial == 1)
        #expect(runs[0].lastStep == 3 && runs[0].config == "{\"lr\": 1}")
        #expect(try database.checkpoints().map(\.name) == ["base"])

        let value = try database.registerCheckpoint(
            name: "value", kind: .value, path: "checkpoints/value", config: "{}", sha256: "cd")
        let ppo = try database.startTrainingRun(
            kind: .grpo, name: "grpo", parents: TrainingRunParents(initial: 1, reference: 1, reward: value),
            config: "{}", totalSteps: 40)
        try database.finishTrainingRun(id: ppo, status: .failed, outputCheckpointID: nil, error: "the loss became nan")
        let stored = try #require(try database.trainingRun(id: ppo))
        #expect(stored.parents.roles.map(\.role) == ["init", "reference", "reward"])
        #expect(stored.totalSteps == 40 && stored.error == "the loss became nan" && stored.name == "grpo")
        #expect(try database.newestCheckpoint(kinds: [.base, .sft])?.name == "base")
        #expect(CheckpointKind.value.isPolicy == false && CheckpointKind.rm.isPolicy == false)
    }
}
