import Foundation
import Testing
@testable import TallyStore

@Suite struct PretrainRunMigrationTests {
    /// A database from before pretraining runs keeps its runs and metrics through v3, which then accepts
    /// `pretrain` runs.
    @Test func runsAndMetricsSurviveAndPretrainRunsAreAccepted() throws {
        let temp = try TemporaryFolder()
        let url = temp.url.appendingPathComponent("old.sqlite")
        do {
            let old = try TallyDatabase.open(at: url, migratingUpTo: "v2-queues")
            #expect(throws: (any Error).self) {
                try old.startTrainingRun(kind: .pretrain, baseCheckpointID: nil, config: "{}")
            }
            let run = try old.startTrainingRun(kind: .sft, baseCheckpointID: nil, config: "{\"lr\": 1}")
            try old.recordMetrics(runID: run, step: 1, values: ["loss": 2.5])
            try old.finishTrainingRun(id: run, status: .finished, outputCheckpointID: nil)
            old.close()
        }
        let database = try TallyDatabase.open(at: url)
        defer { database.close() }
        #expect(try database.appliedMigrations().contains("v3-pretrain-runs"))
        #expect(try database.metric(runID: 1, name: "loss").map(\.value) == [2.5])
        let pretrain = try database.startTrainingRun(kind: .pretrain, baseCheckpointID: nil, config: "{}")
        try database.recordMetrics(runID: pretrain, step: 1, values: ["loss": 5])
        #expect(try database.metric(runID: pretrain, name: "loss").map(\.value) == [5])
        let kinds = try database.read { db in try String.fetchAll(db, sql: "SELECT kind FROM trainingRun ORDER BY id") }
        #expect(kinds == ["sft", "pretrain"])
    }
}
