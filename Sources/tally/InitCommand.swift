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
            """)

    @Argument(help: ArgumentHelp("The folder to create the workspace in.", valueName: "dir"))
    var directory: String = "."

    @Option(
        help: ArgumentHelp(
            "A folder of labeling guidelines (*.md, *.txt) to start from, e.g. Tally's own instructions/; "
                + "without it the workspace gets short starter guidelines.",
            valueName: "dir"))
    var instructions: String?

    func run() throws {
        try reportingErrors {
            let folder = URL(fileURLWithPath: directory, isDirectory: true)
            if let instructions { _ = try Workspace.guidelineFiles(in: URL(fileURLWithPath: instructions)) }
            let workspace = try Workspace.create(at: folder)
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
        }
    }
}
