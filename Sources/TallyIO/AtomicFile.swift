import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Writes a file so that it appears whole or not at all: the bytes go to a new temporary file in the same
/// folder, which is `fsync`ed, renamed over the target (rename(2) replaces it atomically) and followed by an
/// `fsync` of the folder. A failure at any step removes the temporary file and leaves an earlier file at the
/// target exactly as it was.
///
/// A replaced file keeps its permission bits and group, so an owner-only or group-shared workspace stays so;
/// a new file gets `0666 & ~umask`. Every error is a ``FileError`` naming the target.
///
/// ```swift
/// try AtomicFile.write(Data(json.utf8), to: URL(fileURLWithPath: "config.json"))
///
/// let writer = try AtomicFile(url: URL(fileURLWithPath: "prefs.jsonl"))  // streaming
/// for line in lines { try writer.write(line + "\n") }
/// try writer.commit()
/// ```
public final class AtomicFile {
    /// The file being written.
    public let url: URL
    /// `url` with symbolic links resolved: the file that is replaced.
    private let target: URL
    private let temporaryURL: URL
    private let descriptor: Int32
    private var buffer: [UInt8] = []
    private var isOpen = true
    /// The first write error: once a write has failed, the file can never be committed.
    private var failure: Error?
    private static let bufferLimit = 1 << 20

    /// Writes `data` to `url` atomically, replacing a file there.
    public static func write(_ data: Data, to url: URL) throws {
        let file = try AtomicFile(url: url)
        try file.write(data)
        try file.commit()
    }

    /// Writes `text` as UTF-8 to `url` atomically, replacing a file there.
    public static func write(_ text: String, to url: URL) throws {
        try write(Data(text.utf8), to: url)
    }

    /// Starts writing `url`: creates the temporary file beside it. Nothing at `url` changes until ``commit()``.
    public init(url: URL) throws {
        let target = url.resolvingSymlinksInPath()
        self.url = url
        self.target = target
        var existing = stat()
        let targetExists = stat(target.path, &existing) == 0
        if targetExists && existing.st_mode & S_IFMT == S_IFDIR {
            throw FileError(path: url.path, action: .write, code: EISDIR)
        }
        (temporaryURL, descriptor) = try Self.createTemporary(beside: target, reportedAs: url)
        if targetExists { keepPermissions(of: existing) }
    }

    deinit {
        if isOpen { abandon() }
    }

    /// Appends `bytes`. After an error, the file can only be abandoned (which `deinit` also does).
    public func write<Bytes: Sequence>(_ bytes: Bytes) throws where Bytes.Element == UInt8 {
        buffer.append(contentsOf: bytes)
        if buffer.count >= Self.bufferLimit { try flush() }
    }

    /// Appends `text` as UTF-8.
    public func write(_ text: String) throws {
        try write(text.utf8)
    }

    /// Writes what is buffered, `fsync`s the file, renames it over the target and `fsync`s the folder.
    public func commit() throws {
        guard isOpen else {
            throw FileError(
                path: url.path, problem: "cannot be written: the write was already finished or abandoned",
                advice: "run the command again")
        }
        do {
            try flush()
            try DurableFile.sync(descriptor, path: url.path)
            isOpen = false
            try DurableFile.closeChecked(descriptor, path: url.path)
            guard rename(temporaryURL.path, target.path) == 0 else {
                throw FileError(path: url.path, action: .write, code: errno)
            }
        } catch {
            if isOpen { close(descriptor) }
            isOpen = false
            unlink(temporaryURL.path)
            throw error
        }
        try DurableFile.syncFolder(temporaryURL.deletingLastPathComponent())
    }

    /// Gives up: removes the temporary file and leaves the target as it was.
    public func abandon() {
        guard isOpen else { return }
        isOpen = false
        close(descriptor)
        unlink(temporaryURL.path)
    }

    /// Creates a new, uniquely named hidden file in `target`'s folder (`.NAME.PID-RANDOM.tmp`); an error names
    /// `reportedAs`, the file the user asked for.
    private static func createTemporary(beside target: URL, reportedAs url: URL) throws -> (URL, Int32) {
        let folder = target.deletingLastPathComponent()
        for attempt in 1...10 {
            let candidate = folder.appendingPathComponent(
                ".\(target.lastPathComponent).\(getpid())-\(UInt32.random(in: 0...UInt32.max)).tmp")
            do {
                return (candidate, try DurableFile.openNew(candidate))
            } catch let error as FileError {
                let nameTaken = FileManager.default.fileExists(atPath: candidate.path)
                if nameTaken && attempt < 10 { continue }
                throw FileError(path: url.path, problem: error.problem, advice: error.advice)
            }
        }
        throw FileError(path: url.path, action: .write, code: EEXIST)
    }

    private func flush() throws {
        if let failure { throw failure }
        guard !buffer.isEmpty else { return }
        do {
            try buffer.withUnsafeBytes { try DurableFile.writeAll(descriptor, $0, path: url.path) }
        } catch {
            failure = error
            throw error
        }
        buffer.removeAll(keepingCapacity: true)
    }

    /// Gives the temporary file the replaced file's permission bits and group. When the group cannot be kept
    /// (it is not one of ours), the group's permissions are dropped rather than handed to another group.
    private func keepPermissions(of existing: stat) {
        var mode = existing.st_mode & 0o7777
        var current = stat()
        if fstat(descriptor, &current) == 0 && current.st_gid != existing.st_gid {
            if fchown(descriptor, uid_t.max, existing.st_gid) != 0 { mode &= ~0o070 }
        }
        _ = fchmod(descriptor, mode)
    }
}
