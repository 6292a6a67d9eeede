import Foundation
import TallyIO
import TallyStore
import Testing

@testable import tally

/// What `tally` prints for errors that are not its own: never Foundation's `Error Domain=…` text or a type name.
struct FailureMessageTests {
    @Test func foundationErrorsNameTheirFile() {
        let error = CocoaError(.fileNoSuchFile, userInfo: [NSFilePathErrorKey: "/data/in.jsonl"])
        let message = FailureMessage.text(for: error, command: "tally import prefs")
        #expect(message == "/data/in.jsonl: cannot be used: it does not exist; check the path")
    }

    @Test func foundationErrorsWithoutAPathNameTheCommand() {
        let error = NSError(
            domain: NSCocoaErrorDomain, code: CocoaError.fileWriteNoPermission.rawValue,
            userInfo: [NSUnderlyingErrorKey: POSIXError(.EACCES)])
        let message = FailureMessage.text(for: error, command: "tally export prefs")
        #expect(
            message.hasPrefix("tally export prefs failed: a file cannot be used: permission denied; "), "\(message)")
        #expect(!message.contains("Error Domain"))
    }

    @Test func unknownErrorsGetAPlainSentence() {
        struct Strange: Error {}
        let message = FailureMessage.text(for: Strange(), command: "tally status")
        #expect(message.hasPrefix("tally status failed with an unexpected error; please report it"), "\(message)")
        #expect(!message.contains("Strange"))
    }

    @Test func theProjectsOwnErrorsAreShownAsTheyAre() {
        let error = StoreError.invalid("prefs.jsonl:17: \"chosen\" is missing")
        #expect(
            FailureMessage.text(for: error, command: "tally import prefs") == "prefs.jsonl:17: \"chosen\" is missing")
    }

    @Test func commandPathsIncludeTheParents() {
        #expect(Tally.commandPath(of: ExportPrefs.self) == "tally export prefs")
        #expect(Tally.commandPath(of: Tally.self) == "tally")
    }
}
