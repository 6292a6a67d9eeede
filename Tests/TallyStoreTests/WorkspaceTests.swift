import Foundation
import Testing

@testable import TallyStore

@Suite struct WorkspaceTests {
    @Test func createMakesDatabaseAndCheckpointFolder() throws {
        let temp = try TemporaryFolder()
        let workspace = try Workspace.create(at: temp.url.appendingPathComponent("new"))
        #expect(FileManager.default.fileExists(atPath: workspace.databaseURL.path))
        var isFolder: ObjCBool = false
        #expect(FileManager.default.fileExists(atPath: workspace.checkpointsURL.path, isDirectory: &isFolder))
        #expect(isFolder.boolValue)
        #expect(throws: WorkspaceError.self) { try Workspace.create(at: workspace.root) }
    }

    @Test func databaseUsesWALForeignKeysAndFullSync() throws {
        let temp = try TemporaryFolder()
        let (_, database) = try temp.workspace()
        let journal = try database.read { db in try String.fetchOne(db, sql: "PRAGMA journal_mode") }
        let foreignKeys = try database.read { db in try Int.fetchOne(db, sql: "PRAGMA foreign_keys") }
        let synchronous = try database.pool.writeWithoutTransaction { db in
            try Int.fetchOne(db, sql: "PRAGMA synchronous")
        }
        #expect(journal == "wal")
        #expect(foreignKeys == 1)
        #expect(synchronous == 2)  // FULL
    }

    @Test func locateFollowsFlagThenEnvironmentThenParents() throws {
        let temp = try TemporaryFolder()
        let outer = try Workspace.create(at: temp.url.appendingPathComponent("outer"))
        let other = try Workspace.create(at: temp.url.appendingPathComponent("other"))
        let deep = outer.root.appendingPathComponent("a/b/c")
        try FileManager.default.createDirectory(at: deep, withIntermediateDirectories: true)

        let fromParents = try Workspace.locate(explicit: nil, environment: [:], currentDirectory: deep.path)
        #expect(fromParents.root == outer.root)
        let fromEnvironment = try Workspace.locate(
            explicit: nil, environment: ["TALLY_WORKSPACE": other.root.path], currentDirectory: deep.path)
        #expect(fromEnvironment.root == other.root)
        let fromFlag = try Workspace.locate(
            explicit: "../../../../other", environment: ["TALLY_WORKSPACE": outer.root.path],
            currentDirectory: deep.path)
        #expect(fromFlag.root == other.root)
    }

    @Test func locateFailsClearlyWithoutWorkspace() throws {
        let temp = try TemporaryFolder()
        #expect(throws: WorkspaceError.notFound(startingAt: temp.url.standardizedFileURL.path)) {
            try Workspace.locate(explicit: nil, environment: [:], currentDirectory: temp.url.path)
        }
        let error = #expect(throws: WorkspaceError.self) {
            try Workspace.locate(explicit: temp.url.path, environment: [:], currentDirectory: "/")
        }
        #expect(error?.description.contains("tally init") == true)
    }
}
