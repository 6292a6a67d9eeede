import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// File operations that reach the disk before they return: write + `fsync`, folder `fsync`, atomic swap.
enum DurableFile {
    /// Creates `url` (which must not exist), writes `data` and `fsync`s it.
    static func write(_ data: Data, to url: URL) throws {
        let flags = O_WRONLY | O_CREAT | O_EXCL
        let descriptor = open(url.path, flags, 0o644)
        guard descriptor >= 0 else { throw systemError(url, "cannot be created") }
        defer { close(descriptor) }
        try data.withUnsafeBytes { raw in
            guard let base = raw.baseAddress else { return }
            var written = 0
            while written < raw.count {
                let result = systemWrite(descriptor, base + written, raw.count - written)
                if result < 0 {
                    if errno == EINTR { continue }
                    throw systemError(url, "could not be written")
                }
                written += result
            }
        }
        guard fsync(descriptor) == 0 else { throw systemError(url, "could not be flushed to disk") }
    }

    /// Replaces `url` with `data` atomically: writes a temporary file beside it, flushes it, renames it over
    /// `url` and flushes the folder, so readers see the old file or the new one, never a partial one.
    static func replaceAtomically(_ url: URL, with data: Data) throws {
        let temporary = url.deletingLastPathComponent()
            .appendingPathComponent(".\(url.lastPathComponent).tmp-\(UUID().uuidString)")
        do {
            try write(data, to: temporary)
            guard Foundation.rename(temporary.path, url.path) == 0 else {
                throw systemError(url, "could not be replaced")
            }
        } catch let error as CheckpointError {
            try? FileManager.default.removeItem(at: temporary)
            // Name the file the user asked for, not the hidden temporary one.
            throw CheckpointError(path: url.path, problem: error.problem)
        }
        try syncFolder(url.deletingLastPathComponent())
    }

    /// The whole contents of `url`, with a clear error when it is missing or unreadable.
    static func read(_ url: URL) throws -> Data {
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw CheckpointError(path: url.path, problem: "does not exist")
        }
        do {
            return try Data(contentsOf: url)
        } catch {
            throw CheckpointError(path: url.path, problem: "cannot be read (\(error.localizedDescription))")
        }
    }

    /// Flushes a folder's entries (new names, renames) to disk.
    static func syncFolder(_ url: URL) throws {
        let descriptor = open(url.path, O_RDONLY)
        guard descriptor >= 0 else { throw systemError(url, "cannot be opened to flush it") }
        defer { close(descriptor) }
        guard fsync(descriptor) == 0 else { throw systemError(url, "could not be flushed to disk") }
    }

    /// Renames `source` to `destination`, replacing nothing: fails if `destination` exists.
    static func rename(_ source: URL, to destination: URL) throws {
        guard Foundation.rename(source.path, destination.path) == 0 else {
            throw systemError(destination, "could not be created by renaming \(source.lastPathComponent)")
        }
    }

    /// Atomically swaps two existing paths where the system can (Linux `renameat2(RENAME_EXCHANGE)`);
    /// returns false when it cannot, leaving both untouched.
    static func exchange(_ first: URL, _ second: URL) -> Bool {
        #if os(Linux)
            typealias RenameAt2 =
                @convention(c) (Int32, UnsafePointer<CChar>, Int32, UnsafePointer<CChar>, UInt32) -> Int32
            guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "renameat2") else { return false }
            let renameat2 = unsafeBitCast(symbol, to: RenameAt2.self)
            let renameExchange: UInt32 = 2
            return renameat2(AT_FDCWD, first.path, AT_FDCWD, second.path, renameExchange) == 0
        #else
            return false
        #endif
    }

    private static func systemError(_ url: URL, _ what: String) -> CheckpointError {
        let reason = String(cString: strerror(errno))
        return CheckpointError(path: url.path, problem: "\(what) (\(reason))")
    }
}

#if canImport(Glibc)
    private let systemWrite = Glibc.write
#elseif canImport(Darwin)
    private let systemWrite = Darwin.write
#endif
