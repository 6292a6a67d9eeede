import Foundation
import TallyIO

/// A temporary copy of an input that can be read only once (a pipe), removed when the last reference to
/// it goes away.
final class TemporaryCopy: Sendable {
    /// The copy.
    let url: URL

    /// Copies `source` into the temporary folder when it is neither a regular file nor a folder; nil when it
    /// is one (or cannot be examined), which reading it will then report.
    /// - Throws: ``StoreError`` when it cannot be read or copied (`name` names it in the message).
    init?(ofNonRegular source: URL, name: String) throws {
        var status = stat()
        guard stat(source.path, &status) == 0, status.st_mode & S_IFMT != S_IFREG, status.st_mode & S_IFMT != S_IFDIR
        else { return nil }
        url = FileManager.default.temporaryDirectory.appendingPathComponent("tally-import-\(UUID().uuidString).jsonl")
        guard let input = FileHandle(forReadingAtPath: source.path) else {
            throw StoreError.invalid(FileError(path: name, action: .read, code: errno).description)
        }
        defer { try? input.close() }
        do {
            let copy = try AtomicFile(url: url)
            while let chunk = try input.read(upToCount: 1 << 20), !chunk.isEmpty { try copy.write(chunk) }
            try copy.commit()
        } catch let error as FileError {
            throw StoreError.invalid(
                "\(name): cannot be copied to \(error.path) to be read twice: \(error.problem); \(error.advice)")
        } catch {
            throw StoreError.invalid(FileError(path: name, action: .read, underlying: error).description)
        }
    }

    deinit { try? FileManager.default.removeItem(at: url) }
}
