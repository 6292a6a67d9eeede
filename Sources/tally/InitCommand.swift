import ArgumentParser
import Foundation
import TallyIO
import TallyStore

/// `tally init [DIR]`: make a workspace.
struct Init: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Create a workspace: tally.sqlite, checkpoints/ and starter labeling instructions.",
        discussion: """
            Later commands find the workspace like git finds a repository: --workspace, then \
            TALLY_WORKSPACE, then the nearest parent folder holding tally.sqlite.

            The workspace is private to you (folders 700, files 600) unless --group shares it with one Unix \
            group (group read and write, setgid folders). You, by your OS account, are its first admin: add \
            labelers and admins with `tally labeler add`.
            """)

    @Argument(help: ArgumentHelp("The folder to create the workspace in.", valueName: "dir"))
    var directory: String = "."

    @Option(
        help: ArgumentHelp(
            "A folder of labeling guidelines (*.md, *.txt) to start from, e.g. Tally's own instructions/; "
                + "without it the workspace gets short starter guidelines.",
            valueName: "dir"))
    var instructions: String?

    @Option(
        help: ArgumentHelp(
            "Share the workspace with this Unix group (group read/write, setgid folders); default: private to you.",
            valueName: "name"))
    var group: String?

    func run() throws {
        try reportingErrors {
            let folder = URL(fileURLWithPath: directory, isDirectory: true)
            if let instructions { _ = try Workspace.guidelineFiles(in: URL(fileURLWithPath: instructions)) }
            let sharing = try group.map { try WorkspaceSharing.group(named: $0) } ?? .ownerOnly
            umask(sharing.creationMask)
            let workspace = try Workspace.create(at: folder, sharing: sharing)
            let instructionsFolder =
                try instructions.map { try workspace.installInstructions(from: URL(fileURLWithPath: $0)) }
                ?? workspace.writeStarterInstructions()
            let database = try workspace.openDatabase()
            let version = try database.recordInstructions(fromFolder: instructionsFolder)
            database.close()
            print("Created a Tally workspace in \(TerminalSanitizer.sanitize(workspace.root.path))")
            print("  database:     \(Workspace.databaseFileName)")
            print("  checkpoints:  \(Workspace.checkpointsFolderName)/")
            if let version {
                print("  instructions: instructions/ (version \(version.hash.prefix(12)))")
            }
            print("  access:       \(TerminalSanitizer.sanitizeLine(sharing.summary))")
            print(
                "  admin:        \(TerminalSanitizer.sanitizeLine(database.account)) (add labelers with `tally labeler add`)"
            )
        }
    }
}
