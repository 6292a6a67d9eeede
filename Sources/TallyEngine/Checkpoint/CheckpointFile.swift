import Foundation
import TallyIO

/// TallyIO's durable file operations for checkpoints: the same writes, with failures reported as
/// ``CheckpointError`` like every other checkpoint problem.
enum CheckpointFile {
    /// Creates `url` (which must not exist), writes `data` and `fsync`s it.
    static func create(_ data: Data, at url: URL) throws {
        try reportingCheckpointErrors { try DurableFile.create(data, at: url) }
    }

    /// Replaces `url` with `data` atomically (``AtomicFile``): readers see the old file or the new one.
    static func replace(_ url: URL, with data: Data) throws {
        try reportingCheckpointErrors { try AtomicFile.write(data, to: url) }
    }

    /// The whole contents of `url`.
    static func read(_ url: URL) throws -> Data {
        try reportingCheckpointErrors { try DurableFile.read(url) }
    }

    /// Flushes a folder's entries (new names, renames) to disk.
    static func syncFolder(_ url: URL) throws {
        try reportingCheckpointErrors { try DurableFile.syncFolder(url) }
    }

    /// Creates the folder `url` (and its missing parents when `intermediate`); a failure names `reportedAs`.
    static func createFolder(_ url: URL, intermediate: Bool, reportedAs: URL? = nil) throws {
        do {
            try FileManager.default.createDirectory(at: url, withIntermediateDirectories: intermediate)
        } catch {
            let fileError = FileError(path: (reportedAs ?? url).path, action: .createFolder, underlying: error)
            throw CheckpointError(path: fileError.path, problem: "\(fileError.problem); \(fileError.advice)")
        }
    }

    /// Renames `source` to `destination`.
    static func rename(_ source: URL, to destination: URL) throws {
        try reportingCheckpointErrors { try DurableFile.rename(source, to: destination) }
    }

    /// Atomically swaps two existing paths where the system can; false when it cannot.
    static func exchange(_ first: URL, _ second: URL) -> Bool {
        DurableFile.exchange(first, second)
    }

    private static func reportingCheckpointErrors<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as FileError {
            throw CheckpointError(path: error.path, problem: "\(error.problem); \(error.advice)")
        }
    }
}
