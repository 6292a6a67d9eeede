import Foundation
import GRDB
import Testing

@testable import TallyStore

/// Who labels as whom, who administers, and which OS account each label records.
@Suite struct LabelerAccessTests {
    /// A workspace made by this test's account (its first admin), and the same database opened as `other`.
    private func workspace(other: String = "mallory") throws -> (TemporaryFolder, TallyDatabase, TallyDatabase) {
        let temp = try TemporaryFolder()
        let (workspace, creator) = try temp.workspace()
        let second = try TallyDatabase.open(at: workspace.databaseURL, account: other)
        return (temp, creator, second)
    }

    @Test func theCreatorIsTheFirstAdmin() throws {
        let (folder, creator, _) = try workspace()
        defer { withExtendedLifetime(folder) {} }
        #expect(creator.account == SystemAccount.current)
        #expect(try creator.labelers().map(\.name) == [SystemAccount.current])
        #expect(try creator.labelers().first?.role == .admin)
        #expect(try creator.accountIsAdmin())
    }

    @Test func theAccountComesFromTheUserIDNotFromUSER() throws {
        let real = SystemAccount.name(ofUser: getuid())
        let saved = ProcessInfo.processInfo.environment["USER"]
        setenv("USER", "mallory-\(getpid())", 1)
        defer {
            if let saved { setenv("USER", saved, 1) } else { unsetenv("USER") }
        }
        #expect(SystemAccount.current == real)
        #expect(!real.isEmpty)
    }

    @Test func aLabelerWorksAsThemselvesOnly() throws {
        let (folder, creator, mallory) = try workspace()
        defer { withExtendedLifetime(folder) {} }
        let me = try mallory.labelerToWorkAs(nil)
        #expect(me.name == "mallory" && me.role == .labeler)
        #expect(try mallory.labelerToWorkAs("mallory") == me)
        let before = try creator.labelers()
        let refused = #expect(throws: LabelerAccessError.self) { try mallory.labelerToWorkAs("ada") }
        #expect(refused?.description.contains("only an admin can label as someone else (ada)") == true)
        #expect(refused?.description.contains("leave out --as") == true)
        #expect(throws: LabelerAccessError.self) { try mallory.checkMayWorkAs(SystemAccount.current) }
        #expect(throws: LabelerAccessError.self) { try mallory.addLabeler(named: "eve", role: .admin) }
        #expect(throws: LabelerAccessError.self) { try mallory.setRole(.admin, ofLabelerNamed: "mallory") }
        #expect(throws: LabelerAccessError.self) { try mallory.requireAdmin(to: "list the labelers") }
        #expect(try creator.labelers() == before)
        #expect(try !mallory.accountIsAdmin())
    }

    @Test func anAdminAddsLabelersChangesRolesAndWorksAsOthers() throws {
        let (folder, creator, mallory) = try workspace()
        defer { withExtendedLifetime(folder) {} }
        try creator.addLabeler(named: "mallory", role: .labeler)
        #expect(throws: LabelerAccessError.self) { try creator.addLabeler(named: "mallory", role: .admin) }
        #expect(try creator.labelerToWorkAs("bob").name == "bob")
        try creator.setRole(.admin, ofLabelerNamed: "mallory")
        #expect(try mallory.accountIsAdmin())
        #expect(try mallory.labelerToWorkAs("bob").name == "bob")
        // Two admins: one may step down; the last one may not.
        try mallory.setRole(.labeler, ofLabelerNamed: SystemAccount.current)
        let last = #expect(throws: LabelerAccessError.self) { try mallory.setRole(.labeler, ofLabelerNamed: "mallory") }
        #expect(last?.description.contains("only admin") == true)
        #expect(throws: LabelerAccessError.self) { try mallory.setRole(.admin, ofLabelerNamed: "no-such-labeler") }
    }

    @Test func everyLabelRecordsTheAccountThatSubmittedIt() throws {
        let (folder, creator, mallory) = try workspace()
        defer { withExtendedLifetime(folder) {} }
        let prompt = try creator.addPrompt(.text("Pick one"))
        _ = try creator.insertResponses(promptID: prompt, texts: ["a", "b"], queueAs: .ranking)
        _ = try creator.insertResponses(promptID: prompt, texts: ["c", "d"], queueAs: .comparison)
        let me = try mallory.labelerToWorkAs(nil)
        let flag = [LabelFlag(kind: .note, note: "checked")]
        let demonstration = try #require(try mallory.nextDemonstrationTask(for: me))
        try mallory.submitDemonstration(assignmentID: demonstration.assignmentID, text: "Answer", flags: flag)
        let ranking = try #require(try mallory.nextRankingTask(for: me))
        try mallory.submitRanking(assignmentID: ranking.assignmentID, tiers: [ranking.responses.map(\.id)], flags: flag)
        let comparison = try #require(try mallory.nextComparisonTask(for: me))
        try mallory.submitComparison(assignmentID: comparison.assignmentID, outcome: .a, flags: flag)
        // The admin labels as bob: the label is bob's, submitted by the admin's account.
        let bob = try creator.labelerToWorkAs("bob")
        _ = try creator.addPrompt(.text("Another"))
        let bobsTask = try #require(try creator.nextDemonstrationTask(for: bob))
        try creator.submitDemonstration(assignmentID: bobsTask.assignmentID, text: "Bob's answer")
        try creator.read { db in
            for table in ["ranking", "comparison", "flag"] {
                #expect(try String.fetchAll(db, sql: "SELECT osAccount FROM \(table)").allSatisfy { $0 == "mallory" })
                #expect(try Int.fetchOne(db, sql: "SELECT count(*) FROM \(table)") ?? 0 >= 1)
            }
            let demonstrations = try Row.fetchAll(
                db,
                sql:
                    "SELECT l.name, d.osAccount FROM demonstration d JOIN labeler l ON l.id = d.labelerId ORDER BY d.id"
            )
            #expect(
                demonstrations.map { [$0["name"], $0["osAccount"]] as [String] } == [
                    ["mallory", "mallory"], ["bob", SystemAccount.current],
                ])
        }
    }

    @Test func arenaVotesRecordTheAccount() throws {
        let (folder, creator, mallory) = try workspace()
        defer { withExtendedLifetime(folder) {} }
        let base = try creator.registerCheckpoint(
            name: "base", kind: .base, path: "checkpoints/base", config: "{}", sha256: "ab")
        let sft = try creator.registerCheckpoint(
            name: "sft", kind: .sft, path: "checkpoints/sft", config: "{}", sha256: "cd")
        let prompt = try creator.addPrompt(.text("What is 2 plus 3?"), split: .eval)
        let a = try creator.insertResponses(promptID: prompt, texts: ["6"], checkpointID: base, queueAs: nil)[0]
        let b = try creator.insertResponses(promptID: prompt, texts: ["5"], checkpointID: sft, queueAs: nil)[0]
        try creator.queueArenaBattles([
            ArenaBattleSetup(
                modelA: "base", modelB: "sft", checkpointA: base, checkpointB: sft, promptID: prompt, responseA: a,
                responseB: b, leftSide: .a, source: "arena battle")
        ])
        let me = try mallory.labelerToWorkAs(nil)
        let ballot = try #require(try mallory.nextArenaBallot(for: me))
        try mallory.voteArena(battleID: ballot.battleID, labeler: me, vote: .right)
        let recorded = try creator.read { db in try String.fetchOne(db, sql: "SELECT osAccount FROM arenaBattle") }
        #expect(recorded == "mallory")
    }

    /// A workspace made by an older Tally: its labels get no account, and the database file's owner becomes admin.
    @Test func olderWorkspacesKeepTheirLabelsAndMakeTheOwnerAdmin() throws {
        let temp = try TemporaryFolder()
        let url = temp.url.appendingPathComponent("v8.sqlite")
        let old = try TallyDatabase.open(at: url, migratingUpTo: "v8-arena-votes")
        let alice = try old.labeler(named: "alice", role: .admin)
        let prompt = try old.addPrompt(.text("Old prompt"))
        let task = try #require(try old.nextDemonstrationTask(for: alice))
        try old.pool.write { db in
            try db.execute(
                sql: """
                    INSERT INTO demonstration (promptId, labelerId, text, source, createdAt, assignmentId)
                    VALUES (?, ?, 'Old answer', 'label', 1, ?)
                    """, arguments: [prompt, alice.id, task.assignmentID])
        }
        old.close()
        let database = try TallyDatabase.open(at: url, account: "mallory")
        #expect(try database.appliedMigrations() == Schema.migrationIdentifiers)
        let labelers = try database.labelers()
        #expect(labelers.contains(Labeler(id: alice.id, name: "alice", role: .admin)))
        #expect(labelers.first { $0.name == SystemAccount.current }?.role == .admin)
        #expect(try !database.accountIsAdmin())
        let account = try database.read { db in
            try Row.fetchOne(db, sql: "SELECT text, osAccount FROM demonstration")
        }
        #expect(account?["text"] == "Old answer")
        #expect((account?["osAccount"] as String?) == nil)
    }
}
