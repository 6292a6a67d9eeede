import Foundation
import Testing

@testable import TallyStore

/// Workspaces are private by default, or shared with one group; `status` can tell when they are not.
@Suite(.serialized) struct WorkspaceSharingTests {
    private func mode(_ url: URL) -> mode_t {
        var info = stat()
        return stat(url.path, &info) == 0 ? info.st_mode & 0o7777 : 0
    }

    private func group(_ url: URL) -> gid_t {
        var info = stat()
        return stat(url.path, &info) == 0 ? info.st_gid : gid_t.max
    }

    private func walFiles(_ workspace: Workspace) -> [URL] {
        ["-wal", "-shm"].map { URL(fileURLWithPath: workspace.databaseURL.path + $0) }
    }

    /// Under the usual umask (022) a workspace used to be readable by every account: no longer.
    @Test func aNewWorkspaceAndItsWALFilesAreOwnerOnly() throws {
        let previous = umask(0o022)
        defer { umask(previous) }
        let temp = try TemporaryFolder()
        let workspace = try Workspace.create(at: temp.url.appendingPathComponent("ws"))
        #expect(mode(workspace.root) == 0o700)
        #expect(mode(workspace.checkpointsURL) == 0o700)
        #expect(mode(workspace.instructionsURL) == 0o700)
        #expect(mode(workspace.databaseURL) == 0o600)
        let database = try workspace.openDatabase()
        defer { database.close() }
        _ = try database.addPrompt(.text("Is this private?"))
        for file in walFiles(workspace) {
            #expect(FileManager.default.fileExists(atPath: file.path))
            #expect(mode(file) == 0o600, "\(file.lastPathComponent)")
        }
        #expect(workspace.sharing == .ownerOnly)
        #expect(workspace.readableByOthersWarning() == nil)
    }

    @Test func anExistingFolderKeepsItsModeAndTheWorkspaceFilesArePrivate() throws {
        let previous = umask(0o022)
        defer { umask(previous) }
        let temp = try TemporaryFolder()
        try FileManager.default.createDirectory(
            at: temp.url.appendingPathComponent("mine"), withIntermediateDirectories: true)
        chmod(temp.url.appendingPathComponent("mine").path, 0o755)
        let workspace = try Workspace.create(at: temp.url.appendingPathComponent("mine"))
        #expect(mode(workspace.root) == 0o755)
        #expect(mode(workspace.databaseURL) == 0o600)
        #expect(mode(workspace.checkpointsURL) == 0o700)
    }

    /// `--group` with the user's primary group: setgid folders with the group, files and WAL files 660.
    @Test func aGroupWorkspaceIsSharedWithTheGroup() throws {
        let previous = umask(0o022)
        defer { umask(previous) }
        let temp = try TemporaryFolder()
        let groupID = getegid()
        let sharing = try WorkspaceSharing.group(named: SystemAccount.name(ofGroup: groupID))
        #expect(sharing == .group(id: groupID, name: SystemAccount.name(ofGroup: groupID)))
        let workspace = try Workspace.create(at: temp.url.appendingPathComponent("team"), sharing: sharing)
        for folder in [workspace.root, workspace.checkpointsURL, workspace.instructionsURL] {
            #expect(mode(folder) == 0o2770, "\(folder.lastPathComponent)")
            #expect(group(folder) == groupID)
        }
        #expect(mode(workspace.databaseURL) == 0o660)
        let database = try workspace.openDatabase()
        defer { database.close() }
        _ = try database.addPrompt(.text("Shared?"))
        for file in walFiles(workspace) {
            #expect(mode(file) == 0o660, "\(file.lastPathComponent)")
            #expect(group(file) == groupID)
        }
        #expect(workspace.sharing == sharing)
        workspace.useSharingForNewFiles()
        #expect(umask(0o022) == 0o007)
    }

    /// Group 0 (root's), when this account is not root and not in it: chown is refused, and the error says why.
    @Test(.enabled(if: getuid() != 0 && !Self.belongsToGroup(0), "needs an account outside group 0"))
    func aGroupYouAreNotInIsAClearError() throws {
        let temp = try TemporaryFolder()
        let sharing = WorkspaceSharing.group(id: 0, name: SystemAccount.name(ofGroup: 0))
        let error = #expect(throws: WorkspaceError.self) {
            try Workspace.create(at: temp.url.appendingPathComponent("team"), sharing: sharing)
        }
        #expect(error?.description.contains("only its owner can, and only to a group they belong to") == true)
    }

    private static func belongsToGroup(_ id: gid_t) -> Bool {
        var groups = [gid_t](repeating: 0, count: Int(getgroups(0, nil)))
        let count = getgroups(Int32(groups.count), &groups)
        return getegid() == id || groups.prefix(max(0, Int(count))).contains(id)
    }

    @Test func aFolderThatCannotBeMadeIsAClearError() throws {
        let temp = try TemporaryFolder()
        let file = try temp.file("notes.txt", ["not a folder"])
        let error = #expect(throws: WorkspaceError.self) {
            try Workspace.create(at: file.appendingPathComponent("ws"))
        }
        #expect(error?.description == "cannot create a workspace in \(file.path)/ws: \(file.path): Not a directory")
    }

    @Test func anUnknownGroupIsAClearError() throws {
        let error = #expect(throws: WorkspaceError.self) {
            try WorkspaceSharing.group(named: "no-such-group-tally-test")
        }
        #expect(error?.description.contains("there is no group named no-such-group-tally-test") == true)
        #expect(error?.description.contains("id -Gn") == true)
    }

    @Test func aDatabaseEveryoneCanReadIsReportedWithTheFix() throws {
        let temp = try TemporaryFolder()
        let workspace = try Workspace.create(at: temp.url.appendingPathComponent("ws"))
        chmod(workspace.databaseURL.path, 0o644)
        chmod(workspace.checkpointsURL.path, 0o755)
        #expect(workspace.pathsReadableByOthers().map(\.lastPathComponent) == ["tally.sqlite", "checkpoints"])
        let warning = try #require(workspace.readableByOthersWarning())
        #expect(warning.hasPrefix("warning: every account on this machine can read tally.sqlite, checkpoints in "))
        #expect(warning.hasSuffix("chmod -R o-rwx '\(workspace.databaseURL.path)' '\(workspace.checkpointsURL.path)'"))
    }
}
