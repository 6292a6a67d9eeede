import Foundation
import XCTest

@testable import TallyIO

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

final class AtomicFileTests: XCTestCase {
    private var folder: URL!

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("tally-atomic-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        _ = chmod(folder.path, 0o755)
        try? FileManager.default.removeItem(at: folder)
    }

    private func entries() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
    }

    func testWritingTwiceReplacesTheFileAndLeavesNoTemporary() throws {
        let url = folder.appendingPathComponent("out.jsonl")
        try AtomicFile.write("first\n", to: url)
        try AtomicFile.write("second\n", to: url)
        XCTAssertEqual(try String(contentsOf: url, encoding: .utf8), "second\n")
        XCTAssertEqual(try entries(), ["out.jsonl"])
    }

    func testStreamingWriterShowsNothingUntilCommitted() throws {
        let url = folder.appendingPathComponent("lines.jsonl")
        try AtomicFile.write("old\n", to: url)
        let writer = try AtomicFile(url: url)
        for index in 0..<50_000 { try writer.write("{\"line\": \(index)}\n") }
        XCTAssertEqual(try String(contentsOf: url, encoding: .utf8), "old\n")
        try writer.commit()
        let lines = try String(contentsOf: url, encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(lines.count, 50_000)
        XCTAssertEqual(lines.last, "{\"line\": 49999}")
        XCTAssertEqual(try entries(), ["lines.jsonl"])
    }

    func testAbandonedWriterLeavesTheOldFileAndNoTemporary() throws {
        let url = folder.appendingPathComponent("kept.txt")
        try AtomicFile.write("kept\n", to: url)
        do {
            let writer = try AtomicFile(url: url)
            try writer.write("half a fi")
        }  // dropped without commit, as when an export throws part-way
        XCTAssertEqual(try String(contentsOf: url, encoding: .utf8), "kept\n")
        XCTAssertEqual(try entries(), ["kept.txt"])
    }

    /// A write that runs into the file size limit part-way (as on a full disk) fails with a clear error and
    /// leaves the earlier file byte for byte, with no temporary file behind.
    func testWriteFailingMidwayLeavesTheOldFileIntact() throws {
        let url = folder.appendingPathComponent("prefs.jsonl")
        let old = Data((0..<1000).map { "{\"old\": \($0)}\n" }.joined().utf8)
        try AtomicFile.write(old, to: url)

        var saved = rlimit()
        XCTAssertEqual(getrlimit(rlimitFileSize, &saved), 0)
        signal(SIGXFSZ, SIG_IGN)
        var small = saved
        small.rlim_cur = 64 * 1024
        XCTAssertEqual(setrlimit(rlimitFileSize, &small), 0)
        defer { _ = setrlimit(rlimitFileSize, &saved) }

        let large = Data(repeating: UInt8(ascii: "x"), count: 3 * 1024 * 1024)
        XCTAssertThrowsError(try AtomicFile.write(large, to: url)) { error in
            let fileError = error as? FileError
            XCTAssertEqual(fileError?.path, url.path)
            XCTAssertTrue(fileError?.description.contains("file size limit") == true, "\(error)")
        }
        _ = setrlimit(rlimitFileSize, &saved)
        XCTAssertEqual(try Data(contentsOf: url), old)
        XCTAssertEqual(try entries(), ["prefs.jsonl"])
    }

    func testReplacingKeepsThePermissionBits() throws {
        let url = folder.appendingPathComponent("private.json")
        try AtomicFile.write("{}", to: url)
        XCTAssertEqual(chmod(url.path, 0o600), 0)
        try AtomicFile.write("{\"a\": 1}", to: url)
        XCTAssertEqual(permissions(url), 0o600)

        XCTAssertEqual(chmod(url.path, 0o640), 0)
        try AtomicFile.write("{\"a\": 2}", to: url)
        XCTAssertEqual(permissions(url), 0o640)
    }

    /// A file shared with a group (another helper's `tally init --group`) keeps that group when replaced.
    func testReplacingKeepsTheGroup() throws {
        let groups = supplementaryGroups()
        let other = geteuid() == 0 ? gid_t(65534) : groups.first { $0 != getegid() }
        guard let other else { throw XCTSkip("this user belongs to no second group to share a file with") }
        let url = folder.appendingPathComponent("shared.json")
        try AtomicFile.write("{}", to: url)
        XCTAssertEqual(chown(url.path, uid_t.max, other), 0)
        XCTAssertEqual(chmod(url.path, 0o660), 0)
        try AtomicFile.write("{\"b\": 1}", to: url)
        var status = stat()
        XCTAssertEqual(stat(url.path, &status), 0)
        XCTAssertEqual(status.st_gid, other)
        XCTAssertEqual(status.st_mode & 0o777, 0o660)
    }

    private func supplementaryGroups() -> [gid_t] {
        var groups = [gid_t](repeating: 0, count: 64)
        let count = getgroups(Int32(groups.count), &groups)
        return count > 0 ? Array(groups.prefix(Int(count))) : []
    }

    func testNewFilesFollowTheUmask() throws {
        let previous = umask(0o027)
        defer { umask(previous) }
        let url = folder.appendingPathComponent("new.json")
        try AtomicFile.write("{}", to: url)
        XCTAssertEqual(permissions(url), 0o640)
    }

    func testWritingThroughASymbolicLinkReplacesTheLinkedFile() throws {
        let real = folder.appendingPathComponent("real.txt")
        let link = folder.appendingPathComponent("link.txt")
        try AtomicFile.write("one", to: real)
        try FileManager.default.createSymbolicLink(at: link, withDestinationURL: real)
        try AtomicFile.write("two", to: link)
        XCTAssertEqual(try String(contentsOf: real, encoding: .utf8), "two")
        XCTAssertEqual(try FileManager.default.destinationOfSymbolicLink(atPath: link.path), real.path)
    }

    func testFolderTargetsAndMissingFoldersAreNamed() throws {
        XCTAssertThrowsError(try AtomicFile.write("x", to: folder)) { error in
            XCTAssertEqual(
                "\(error)",
                "\(folder.path): cannot be written: it is a folder, not a file; "
                    + "give the path of a file, for example \(folder.path)/out.jsonl")
        }
        let missing = folder.appendingPathComponent("missing/out.jsonl")
        XCTAssertThrowsError(try AtomicFile.write("x", to: missing)) { error in
            XCTAssertEqual(
                "\(error)",
                "\(missing.path): cannot be written: the folder \(folder.path)/missing does not exist; "
                    + "create it, or choose another path")
        }
        XCTAssertEqual(try entries(), [])
    }

    func testReadOnlyFolderIsPermissionDenied() throws {
        try XCTSkipIf(geteuid() == 0, "root ignores permission bits, so a read-only folder cannot be tested as root")
        let url = folder.appendingPathComponent("out.jsonl")
        try AtomicFile.write("old", to: url)
        XCTAssertEqual(chmod(folder.path, 0o555), 0)
        XCTAssertThrowsError(try AtomicFile.write("new", to: url)) { error in
            XCTAssertTrue("\(error)".hasPrefix("\(url.path): cannot be written: permission denied; "), "\(error)")
        }
        XCTAssertEqual(try String(contentsOf: url, encoding: .utf8), "old")
    }

    private func permissions(_ url: URL) -> mode_t {
        var status = stat()
        XCTAssertEqual(stat(url.path, &status), 0)
        return status.st_mode & 0o777
    }
}

#if canImport(Glibc)
    private let rlimitFileSize = __rlimit_resource_t(RLIMIT_FSIZE.rawValue)
#else
    private let rlimitFileSize = RLIMIT_FSIZE
#endif
