import ArgumentParser
import Foundation
import TallyStore

/// `tally init [DIR]`: make a workspace.
struct Init: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Create a workspace: tally.sqlite, checkpoints/ and starter labeling instructions.",
        discussion: """
            Later commands find the workspace like git finds a repository: --workspace, then \
            TALLY_WORKSPACE, then the nearest parent folder holding tally.sqlite.
            """)

    @Argument(help: ArgumentHelp("The folder to create the workspace in.", valueName: "dir"))
    var directory: String = "."

    func run() throws {
        try reportingErrors {
            let folder = URL(fileURLWithPath: directory, isDirectory: true)
            let workspace = try Workspace.create(at: folder)
            let instructions = try workspace.writeStarterInstructions()
            let database = try workspace.openDatabase()
            let version = try database.recordInstructions(fromFolder: instructions)
            database.close()
            print("Created a Tally workspace in \(TerminalText.sanitized(workspace.root.path))")
            print("  database:     \(Workspace.databaseFileName)")
            print("  checkpoints:  \(Workspace.checkpointsFolderName)/")
            if let version {
                print("  instructions: instructions/ (version \(version.hash.prefix(12)))")
            }
        }
    }
}
