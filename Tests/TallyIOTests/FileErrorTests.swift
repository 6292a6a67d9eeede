import Foundation
import XCTest

@testable import TallyIO

final class FileErrorTests: XCTestCase {
    func testFoundationErrorsBecomePlainWords() throws {
        let missing = "/nonexistent-tally-folder/in.jsonl"
        do {
            _ = try Data(contentsOf: URL(fileURLWithPath: missing))
            XCTFail("reading a missing file succeeded")
        } catch {
            let message = FileError(path: missing, action: .read, underlying: error).description
            XCTAssertEqual(message, "\(missing): cannot be read: it does not exist; check the path")
        }
        let cocoa = CocoaError(.fileWriteOutOfSpace)
        XCTAssertEqual(
            FileError(path: "a.json", action: .write, underlying: cocoa).description,
            "a.json: cannot be written: the disk is full; free some space, or write to another disk")
        let posix = POSIXError(.EROFS)
        XCTAssertEqual(
            FileError(path: "a.json", action: .write, underlying: posix).description,
            "a.json: cannot be written: the file system is read-only; write to another location")
    }

    func testUnknownFoundationErrorsNeverShowTheirDomain() {
        let odd = NSError(domain: NSCocoaErrorDomain, code: 4242, userInfo: nil)
        let message = FileError(path: "x.txt", action: .write, underlying: odd).description
        XCTAssertFalse(message.contains("Error Domain"), message)
        XCTAssertTrue(message.hasPrefix("x.txt: cannot be written"), message)
    }

    func testAFileErrorPassesThroughUnchanged() {
        let original = FileError(path: "a", problem: "cannot be read: odd", advice: "do this")
        XCTAssertEqual(FileError(path: "b", action: .write, underlying: original), original)
    }
}
