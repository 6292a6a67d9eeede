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
    private var buffer = Data()

    init(path: String?) throws {
        guard let path, path != "-" else {
            file = nil
            return
        }
        // An unfinished file (an error part-way) never replaces the destination: AtomicFile removes it.
        file = try AtomicFile(url: URL(fileURLWithPath: path))
    }

    /// Appends `line` and a newline.
    func write(_ line: String) throws {
        buffer.append(contentsOf: line.utf8)
        buffer.append(UInt8(ascii: "\n"))
        if buffer.count >= 1 << 20 { try flush() }
    }

    /// Writes what is buffered and, for a file, syncs it to disk and moves it into place.
    func finish() throws {
        try flush()
        try file?.commit()
    }

    private func flush() throws {
        guard !buffer.isEmpty else { return }
        if let file {
            try file.write(buffer)
        } else {
            FileHandle.standardOutput.write(buffer)
        }
        buffer.removeAll(keepingCapacity: true)
    }
}
