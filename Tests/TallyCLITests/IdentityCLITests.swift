import Foundation
import TallyStore
import Testing

/// Private workspaces and labeler identity through the real `tally` binary.
@Suite(.enabled(if: TallyBinary.url != nil, "the tally executable is built next to the tests"))
struct IdentityCLITests {
    private func mode(_ path: String) -> mode_t {
        var info = stat()
        return stat(path, &info) == 0 ? info.st_mode & 0o7777 : 0
    }

    /// What the workspace holds: every count `tally status` shows, and each labeler with their role.
    private func contents(of workspace: String) throws -> String {
        let database = try Workspace(root: URL(fileURLWithPath: workspace)).openDatabase()
        defer { database.close() }
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let status = String(decoding: try encoder.encode(try database.status()), as: UTF8.self)
        let labelers = try database.labelers().map { "\($0.name):\($0.role.rawValue)" }
        return status + labelers.joined(separator: ",")
    }

    /// `$USER` names nobody: the creator is the account of the user id, and is the first admin.
    @Test func initIsPrivateAndItsCreatorIsAdminWhateverUSERSays() throws {
        let temp = try TemporaryFolder()
        let workspace = temp.url.appendingPathComponent("ws").path
        let spoofed = ["USER": "spoofed-admin", "LOGNAME": "spoofed-admin"]
        let created = try TallyBinary.run(["init", workspace], environment: spoofed)
        #expect(created.status == 0, "\(created.error)")
        #expect(created.output.contains("admin:        \(SystemAccount.current) "))
        #expect(created.output.contains("private to you"))
        #expect(!created.output.contains("spoofed"))
        #expect(mode(workspace + "/tally.sqlite") == 0o600)
        #expect(mode(workspace + "/checkpoints") == 0o700)
        let listed = try TallyBinary.run(["labeler", "list", "--workspace", workspace], environment: spoofed)
        #expect(listed.status == 0, "\(listed.error)")
        #expect(listed.output.contains("admin  (you)"))
        #expect(listed.output.contains(SystemAccount.current))
        #expect(!listed.output.contains("spoofed"))
    }

    @Test func anAdminAddsLabelersAndChangesRoles() throws {
        let temp = try TemporaryFolder()
        let workspace = temp.url.appendingPathComponent("ws").path
        #expect(try TallyBinary.run(["init", workspace]).status == 0)
        let added = try TallyBinary.run(["labeler", "add", "bob", "--workspace", workspace])
        #expect(added.status == 0, "\(added.error)")
        #expect(added.output.contains("Added bob as labeler"))
        let promoted = try TallyBinary.run(["labeler", "role", "bob", "admin", "--workspace", workspace])
        #expect(promoted.output.contains("bob is now admin"), "\(promoted.error)")
        let badRole = try TallyBinary.run(["labeler", "role", "bob", "owner", "--workspace", workspace])
        #expect(badRole.status != 0)
        #expect(badRole.error.contains("the role must be admin or labeler, not owner"))
        let database = try Workspace(root: URL(fileURLWithPath: workspace)).openDatabase()
        defer { database.close() }
        #expect(try database.labelers().first { $0.name == "bob" }?.role == .admin)
    }

    /// A labeler who is not an admin cannot label as someone else, manage labelers, or run simulated labelers:
    /// one clear line, exit status 1, and the database byte for byte as it was.
    @Test func aLabelerWhoIsNotAnAdminIsRefusedAndNothingChanges() throws {
        let temp = try TemporaryFolder()
        let workspace = temp.url.appendingPathComponent("ws").path
        #expect(try TallyBinary.run(["init", workspace]).status == 0)
        do {
            let database = try Workspace(root: URL(fileURLWithPath: workspace)).openDatabase()
            try database.addLabeler(named: "boss", role: .admin)
            try database.setRole(.labeler, ofLabelerNamed: SystemAccount.current)
            database.close()
        }
        // Not byte for byte: opening a database without a WAL file writes one (GRDB creates and drops a table).
        let before = try contents(of: workspace)
        let attempts: [[String]] = [
            ["label", "--as", "boss"],
            ["labeler", "add", "eve", "--role", "admin"],
            ["labeler", "role", SystemAccount.current, "admin"],
            ["labeler", "list"],
            ["simulate", "--items", "1", "--labelers", "1", "--no-fill"],
        ]
        for arguments in attempts {
            let result = try TallyBinary.run(arguments + ["--workspace", workspace])
            #expect(result.status == 1, "\(arguments): \(result.output) \(result.error)")
            #expect(result.error.hasPrefix("error: only an admin can "), "\(arguments): \(result.error)")
            #expect(result.error.contains("ask an admin (boss)"), "\(arguments): \(result.error)")
            #expect(result.error.split(separator: "\n").count == 1, "\(arguments): \(result.error)")
            #expect(try contents(of: workspace) == before, "\(arguments) changed the database")
        }
    }

    @Test func statusWarnsWhenEveryoneCanReadTheDatabase() throws {
        let temp = try TemporaryFolder()
        let workspace = temp.url.appendingPathComponent("ws").path
        #expect(try TallyBinary.run(["init", workspace]).status == 0)
        let quiet = try TallyBinary.run(["status", "--workspace", workspace])
        #expect(quiet.status == 0)
        #expect(!quiet.error.contains("warning"))
        chmod(workspace + "/tally.sqlite", 0o644)
        let warned = try TallyBinary.run(["status", "--json", "--workspace", workspace])
        #expect(warned.status == 0)
        #expect(warned.error.contains("warning: every account on this machine can read tally.sqlite"))
        #expect(warned.error.contains("chmod -R o-rwx '\(workspace)/tally.sqlite'"))
        #expect(warned.output.hasPrefix("{"))
    }

    @Test func initWithAGroupSharesItAndAnUnknownGroupIsRefused() throws {
        let temp = try TemporaryFolder()
        let unknown = temp.url.appendingPathComponent("nope").path
        let refused = try TallyBinary.run(["init", unknown, "--group", "no-such-group-tally-test"])
        #expect(refused.status == 1)
        #expect(refused.error.contains("there is no group named no-such-group-tally-test"), "\(refused.error)")
        #expect(!FileManager.default.fileExists(atPath: unknown))

        let team = temp.url.appendingPathComponent("team").path
        let group = SystemAccount.name(ofGroup: getegid())
        let shared = try TallyBinary.run(["init", team, "--group", group])
        #expect(shared.status == 0, "\(shared.error)")
        #expect(shared.output.contains("shared with group \(group)"))
        #expect(mode(team) == 0o2770)
        #expect(mode(team + "/tally.sqlite") == 0o660)
    }
}
