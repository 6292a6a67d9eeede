import Foundation

/// Streams lines to a file that appears only when complete: written to a temporary file beside it,
/// flushed to disk, then renamed over the destination. Standard output when the path is nil or "-".
///
/// ```swift
/// let writer = try WorldLineWriter(path: "corpus.jsonl")
/// try writer.write(line)
/// try writer.finish()
/// ```
final class WorldLineWriter {
    private let destination: String?
    private let temporary: String?
    private let handle: FileHandle
    private var buffer = Data()
    private var finished = false

    init(path: String?) throws {
        guard let path, path != "-" else {
            destination = nil
            temporary = nil
            handle = FileHandle.standardOutput
            return
        }
        let url = URL(fileURLWithPath: path)
        let temporaryURL = url.deletingLastPathComponent()
            .appendingPathComponent(".\(url.lastPathComponent).\(ProcessInfo.processInfo.processIdentifier).tmp")
        guard FileManager.default.createFile(atPath: temporaryURL.path, contents: nil),
            let handle = FileHandle(forWritingAtPath: temporaryURL.path)
        else {
            throw CommandError("cannot write \(path): check the folder exists and is writable")
        }
        destination = path
        temporary = temporaryURL.path
        self.handle = handle
    }

    deinit {
        // An unfinished file (an error part-way) never replaces the destination.
        if !finished, let temporary {
            try? handle.close()
            try? FileManager.default.removeItem(atPath: temporary)
        }
    }

    /// Appends `line` and a newline.
    func write(_ line: String) throws {
        buffer.append(contentsOf: line.utf8)
        buffer.append(UInt8(ascii: "\n"))
        if buffer.count >= 1 << 20 { try flush() }
    }

    /// Writes what is buffered, syncs it to disk and moves the file into place.
    func finish() throws {
        try flush()
        guard let destination, let temporary else { return }
        do {
            try handle.synchronize()
            try handle.close()
            // rename(2) replaces the destination atomically: readers see the old file or the new one.
            guard rename(temporary, destination) == 0 else {
                throw CommandError("cannot write \(destination): \(String(cString: strerror(errno)))")
            }
            finished = true
        } catch let error as CommandError {
            try? FileManager.default.removeItem(atPath: temporary)
            throw error
        } catch {
            try? FileManager.default.removeItem(atPath: temporary)
            throw CommandError("cannot write \(destination): \(error.localizedDescription)")
        }
    }

    private func flush() throws {
        guard !buffer.isEmpty else { return }
        do {
            try handle.write(contentsOf: buffer)
        } catch {
            throw CommandError("cannot write \(destination ?? "standard output"): \(error.localizedDescription)")
        }
        buffer.removeAll(keepingCapacity: true)
    }
}
