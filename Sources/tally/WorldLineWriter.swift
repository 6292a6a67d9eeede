import Foundation
import TallyIO

/// Streams lines to a file that appears only when complete (``AtomicFile``: a temporary file beside it,
/// flushed to disk, then renamed over the destination). Standard output when the path is nil or "-".
///
/// ```swift
/// let writer = try WorldLineWriter(path: "corpus.jsonl")
/// try writer.write(line)
/// try writer.finish()
/// ```
final class WorldLineWriter {
    /// The file being written; nil for standard output.
    private let file: AtomicFile?
    /// Standard output's lines, written a megabyte at a time.
    private var buffer = Data()

    init(path: String?) throws {
        guard let path, path != "-" else {
            file = nil
            return
        }
        // An unfinished file (an error part-way) never replaces the destination: AtomicFile removes it.
        file = try AtomicFile(url: URL(fileURLWithPath: path))
    }

    /// Appends `line` and a newline (a file buffers in ``AtomicFile``; standard output here).
    func write(_ line: String) throws {
        if let file { return try file.write(line + "\n") }
        buffer.append(contentsOf: line.utf8)
        buffer.append(UInt8(ascii: "\n"))
        if buffer.count >= 1 << 20 { try flushStandardOutput() }
    }

    /// Writes what is buffered and, for a file, syncs it to disk and moves it into place.
    func finish() throws {
        try flushStandardOutput()
        try file?.commit()
    }

    private func flushStandardOutput() throws {
        guard !buffer.isEmpty else { return }
        try FileHandle.standardOutput.write(contentsOf: buffer)
        buffer.removeAll(keepingCapacity: true)
    }
}
