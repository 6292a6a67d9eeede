import ArgumentParser
import Foundation
import TallyIO
import TallyStore

/// `tally labeler add|list|role`: who labels in the workspace, and who administers it.
struct LabelerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "labeler",
        abstract: "Add labelers, list them, and change their roles (admins only).",
        discussion: """
            You label as your OS account (from your user id; $USER is not consulted), registered as a labeler \
            the first time you run `tally label`. The workspace's creator is its first admin. Admins add \
            labelers and admins, change roles, label as another labeler (`tally label --as NAME`), run \
            `tally simulate`, and see everyone's labels on the Review screen. Examples:
              tally labeler add bob
              tally labeler add carol --role admin
              tally labeler role bob admin
              tally labeler list
            """,
        subcommands: [Add.self, List.self, Role.self],
        defaultSubcommand: List.self)

    /// `role` parsed, or a message naming the roles there are.
    static func parseRole(_ role: String) throws -> LabelerRole {
        guard let parsed = LabelerRole(rawValue: role) else {
            throw ValidationError("the role must be admin or labeler, not \(role)")
        }
        return parsed
    }

    /// Runs `body` on the workspace's open database, printing the store's errors as one line.
    static func inDatabase(_ workspace: WorkspaceOption, _ body: (TallyDatabase) throws -> Void) throws {
        try reportingErrors {
            let (_, database) = try workspace.open()
            defer { database.close() }
            try body(database)
        }
    }

    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "add", abstract: "Add a labeler (the name of their OS account) with a role.")

        @Argument(
            help: ArgumentHelp(
                "The labeler's name: their OS account's, so they label as themselves.",
                valueName: "name"))
        var name: String

        @Option(help: "admin or labeler.")
        var role: String = LabelerRole.labeler.rawValue

        @OptionGroup var workspace: WorkspaceOption

        func run() throws {
            let role = try LabelerCommand.parseRole(role)
            try LabelerCommand.inDatabase(workspace) { database in
                let labeler = try database.addLabeler(named: name, role: role)
                print("Added \(TerminalSanitizer.sanitizeLine(labeler.name)) as \(labeler.role.rawValue)")
            }
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "list", abstract: "List the workspace's labelers and their roles.")

        @OptionGroup var workspace: WorkspaceOption

        func run() throws {
            try LabelerCommand.inDatabase(workspace) { database in
                try database.requireAdmin(to: "list the labelers")
                for labeler in try database.labelers() {
                    let you = labeler.name == database.account ? "  (you)" : ""
                    let name = TerminalSanitizer.sanitizeLine(labeler.name)
                    print(
                        name.padding(toLength: max(20, name.count + 1), withPad: " ", startingAt: 0)
                            + labeler.role.rawValue + you)
                }
            }
        }
    }

    struct Role: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "role", abstract: "Change a labeler's role (the last admin cannot step down).")

        @Argument(help: ArgumentHelp("The labeler.", valueName: "name"))
        var name: String

        @Argument(help: ArgumentHelp("admin or labeler.", valueName: "role"))
        var role: String

        @OptionGroup var workspace: WorkspaceOption

        func run() throws {
            let role = try LabelerCommand.parseRole(role)
            try LabelerCommand.inDatabase(workspace) { database in
                let labeler = try database.setRole(role, ofLabelerNamed: name)
                print("\(TerminalSanitizer.sanitizeLine(labeler.name)) is now \(labeler.role.rawValue)")
            }
        }
    }
}
