import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// File operations that reach the disk before they return: a whole write and `fsync`, a folder's `fsync`,
/// renames. Every failure is a ``FileError`` naming the path.
///
/// To replace a file, use ``AtomicFile``, which is built on these.
public enum DurableFile {
    /// Creates `url`, which must not exist, writes `data` and `fsync`s it. New files get `0666 & ~umask`.
    ///
    /// ```swift
    /// try DurableFile.create(Data("{}".utf8), at: stagingFolder.appendingPathComponent("config.json"))
    /// ```
    public static func create(_ data: Data, at url: URL) throws {
        let descriptor = try openNew(url)
        do {
            try data.withUnsafeBytes { raw in try writeAll(descriptor, raw, path: url.path) }
            try sync(descriptor, path: url.path)
        } catch {
            close(descriptor)
            throw error
        }
        try closeChecked(descriptor, path: url.path)
    }

    /// Creates the folder `url` and any missing folders above it; nothing happens when it exists.
    public static func createFolder(_ url: URL) throws {
        do {
            try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        } catch {
            throw FileError(path: url.path, action: .createFolder, underlying: error)
        }
    }

    /// The whole contents of `url`.
    public static func read(_ url: URL) throws -> Data {
        var status = stat()
        guard stat(url.path, &status) == 0 else { throw FileError(path: url.path, action: .read, code: errno) }
        guard status.st_mode & S_IFMT != S_IFDIR else { throw FileError(path: url.path, action: .read, code: EISDIR) }
        do {
            return try Data(contentsOf: url)
        } catch {
            throw FileError(path: url.path, action: .read, underlying: error)
        }
    }

    /// Flushes a folder's entries (new names, renames) to disk.
    public static func syncFolder(_ url: URL) throws {
        let descriptor = open(url.path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw FileError(path: url.path, action: .write, code: errno) }
        defer { close(descriptor) }
        try sync(descriptor, path: url.path)
    }

    /// Renames `source` to `destination`; a file there is replaced, a non-empty folder is not.
    public static func rename(_ source: URL, to destination: URL) throws {
        guard Foundation.rename(source.path, destination.path) == 0 else {
            throw FileError(path: destination.path, action: .write, code: errno)
        }
    }

    /// Atomically swaps two existing paths where the system can (Linux `renameat2(RENAME_EXCHANGE)`);
    /// returns false when it cannot, leaving both untouched.
    public static func exchange(_ first: URL, _ second: URL) -> Bool {
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

    // MARK: File descriptors, for AtomicFile

    /// Opens a new file for writing, failing if `url` exists. The mode is `0666 & ~umask`.
    static func openNew(_ url: URL) throws -> Int32 {
        while true {
            let descriptor = open(url.path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o666)
            if descriptor >= 0 { return descriptor }
            if errno != EINTR { throw FileError(path: url.path, action: .write, code: errno) }
        }
    }

    /// Writes every byte of `bytes`, retrying after signals and short writes.
    static func writeAll(_ descriptor: Int32, _ bytes: UnsafeRawBufferPointer, path: String) throws {
        guard let base = bytes.baseAddress else { return }
        var written = 0
        while written < bytes.count {
            let result = systemWrite(descriptor, base + written, bytes.count - written)
            if result < 0 {
                if errno == EINTR { continue }
                throw FileError(path: path, action: .write, code: errno)
            }
            written += result
        }
    }

    /// `fsync`, retried after signals.
    static func sync(_ descriptor: Int32, path: String) throws {
        while fsync(descriptor) != 0 {
            // Folders on some file systems cannot be synced; their entries are then as durable as they get.
            if errno == EINVAL { return }
            if errno != EINTR { throw FileError(path: path, action: .write, code: errno) }
        }
    }

    /// `close`, reporting the deferred write errors some file systems (NFS) give only then.
    static func closeChecked(_ descriptor: Int32, path: String) throws {
        if close(descriptor) != 0 && errno != EINTR { throw FileError(path: path, action: .write, code: errno) }
    }
}

#if canImport(Glibc)
    private let systemWrite = Glibc.write
#elseif canImport(Darwin)
    private let systemWrite = Darwin.write
#endif
