import ArgumentParser
import Foundation
import TallyIO
import TallyStore

/// `--workspace DIR`, shared by every command that works inside a workspace.
struct WorkspaceOption: ParsableArguments {
    @Option(
        name: .long,
        help: ArgumentHelp(
            "The workspace folder (default: $TALLY_WORKSPACE, else the nearest folder upwards holding tally.sqlite).",
            valueName: "dir"))
    var workspace: String?

    /// The workspace this command works in. From here on the files the command creates are private, or shared
    /// with the workspace's group (see ``Workspace/useSharingForNewFiles()``).
    func locate() throws -> Workspace {
        let found = try Workspace.locate(
            explicit: workspace, environment: ProcessInfo.processInfo.environment,
            currentDirectory: FileManager.default.currentDirectoryPath)
        found.useSharingForNewFiles()
        return found
    }

    /// The workspace and its open database.
    func open() throws -> (Workspace, TallyDatabase) {
        let workspace = try locate()
        return (workspace, try workspace.openDatabase())
    }
}

/// Messages for the user on standard error.
enum TerminalText {
    /// Writes `text` and a newline to standard error, made safe for a terminal (file names and other text in
    /// it may come from anyone; see ``TerminalSanitizer``).
    static func printError(_ text: String) {
        FileHandle.standardError.write(Data((TerminalSanitizer.sanitize(text) + "\n").utf8))
    }
}

/// Runs `body`, printing any of the project's own errors as one clear line (they name the file, the line or
/// the thing, and what to do) and exiting with status 1.
func reportingErrors<T>(_ body: () throws -> T) throws -> T {
    do {
        return try body()
    } catch let error as UserFacingError {
        TerminalText.printError("error: \(error.description)")
        throw ExitCode.failure
    }
}
