import Foundation
import TallyArena
import TallyEngine
import TallyIO
import TallyStore
import TallyTUI
import TallyTrain

/// The project's own errors, whose `description` is a complete message for the person at the terminal:
/// which file, line or thing, what is wrong, what to do. ``reportingErrors(_:)`` prints them as one line.
protocol UserFacingError: Error, CustomStringConvertible {}

extension FileError: UserFacingError {}
extension StoreError: UserFacingError {}
extension WorkspaceError: UserFacingError {}
extension LabelerAccessError: UserFacingError {}
extension LineError: UserFacingError {}
extension TrainingError: UserFacingError {}
extension CheckpointError: UserFacingError {}
extension EngineError: UserFacingError {}
extension ModelConfigError: UserFacingError {}
extension SamplerError: UserFacingError {}
extension CommandError: UserFacingError {}
extension TooLongExamples: UserFacingError {}
extension ArenaError: UserFacingError {}
extension ArenaBattleError: UserFacingError {}
extension NcursesTerminal.StartError: UserFacingError {}
extension ChatCompletionsDrafter.Failure: UserFacingError {}

/// The one line a failed command prints (after `error: `), for any error at all: the project's own errors as
/// they are, Foundation and system errors as a ``FileError`` naming the path, and anything else as a plain
/// sentence naming the command. Never `Error Domain=…`, a Swift type name or a raw `localizedDescription`.
enum FailureMessage {
    /// The message for `error`, thrown while running `command` (`tally export prefs`).
    static func text(for error: Error, command: String) -> String {
        if let error = error as? UserFacingError { return error.description }
        if FileError.posixCode(of: error) != nil || isFoundation(error) {
            if let path = path(of: error) {
                return FileError(path: path, action: .access, underlying: error).description
            }
            let unnamed = FileError(path: "", action: .access, underlying: error)
            return "\(command) failed: a file \(unnamed.problem); \(unnamed.advice)"
        }
        var message = "\(command) failed with an unexpected error; please report it with the command you ran"
        if ProcessInfo.processInfo.environment["TALLY_DEBUG"] != nil {
            message += " (\(String(reflecting: error)))"
        } else {
            message += " (set TALLY_DEBUG=1 to see its details)"
        }
        return message
    }

    /// True for errors of ArgumentParser itself (usage errors, `ExitCode`, `CleanExit`, `ValidationError`),
    /// which it prints and turns into exit statuses on its own.
    static func isArgumentParserError(_ error: Error) -> Bool {
        String(reflecting: type(of: error)).hasPrefix("ArgumentParser.")
    }

    private static func isFoundation(_ error: Error) -> Bool {
        [NSCocoaErrorDomain, NSPOSIXErrorDomain].contains((error as NSError).domain)
    }

    /// The file a Foundation error is about, when it says.
    private static func path(of error: Error) -> String? {
        let info = (error as NSError).userInfo
        if let path = info[NSFilePathErrorKey] as? String { return path }
        if let url = info[NSURLErrorKey] as? URL { return url.path }
        return nil
    }
}
