import Foundation
import TallyIO

/// An import file's blocks of lines, parsed on a thread of their own a few blocks ahead of the one
/// consuming them, so that parsing the next block overlaps with writing this one.
///
/// ```swift
/// let blocks = try ParsedBlockStream(url: file, name: "prefs.jsonl", options: options)
/// defer { blocks.stop() }
/// while let (block, bytesRead, fileSize) = try blocks.next() { … }
/// ```
final class ParsedBlockStream: @unchecked Sendable {
    /// Parsed blocks waiting for the consumer, at most `capacity`: a few MiB of text each.
    private static let capacity = 3

    private let condition = NSCondition()
    /// Guarded by `condition`.
    private var ready: [Parsed] = []
    private var failure: Error?
    private var finished = false
    private var stopped = false
    /// Signalled when the parsing thread has returned.
    private let exited = DispatchSemaphore(value: 0)

    /// Opens `url` and starts parsing it.
    /// - Throws: ``LineError`` when the file cannot be opened.
    init(url: URL, name: String, options: ImportOptions) throws {
        let reader = JSONLinesReader(url: url, name: name)
        guard FileManager.default.isReadableFile(atPath: url.path) else { throw reader.unreadable() }
        let work = Work(reader: reader, options: options)
        let thread = Thread { [self] in
            defer { exited.signal() }
            produce(work)
        }
        thread.name = "tally-import-parse"
        thread.start()
    }

    /// What the parsing thread needs, handed over once.
    private struct Work: Sendable {
        let reader: JSONLinesReader
        let options: ImportOptions
    }

    /// A parsed block, how many bytes of the file had been read once it was, and the file's size.
    typealias Parsed = (block: ParsedBlock, bytesRead: Int64, fileSize: Int64)

    /// Thrown inside the reader to stop it early.
    private struct Stop: Error {}

    private func produce(_ work: Work) {
        var bytesRead: Int64 = 0
        var fileSize: Int64 = 0
        do {
            try work.reader.forEachBlock(progress: {
                bytesRead = $0; fileSize = $1
            }) { firstLine, bytes in
                let block = ParsedBlock(bytes, firstLine: firstLine, name: work.reader.name, options: work.options)
                guard enqueue((block, bytesRead, fileSize)) else { throw Stop() }
                // The consumer stops at a bad line unless bad lines are skipped: no need to read further.
                if block.badLineEndingImport(work.options) != nil { throw Stop() }
            }
            finish(nil)
        } catch is Stop {
            finish(nil)
        } catch {
            finish(error)
        }
    }

    /// Hands `block` to the consumer, waiting while `capacity` blocks are waiting already; false once the
    /// consumer has stopped.
    private func enqueue(_ parsed: Parsed) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        while ready.count >= Self.capacity && !stopped { condition.wait() }
        if stopped { return false }
        ready.append(parsed)
        condition.broadcast()
        return true
    }

    private func finish(_ error: Error?) {
        condition.lock()
        failure = error
        finished = true
        condition.broadcast()
        condition.unlock()
    }

    /// The next block in file order (see ``Parsed``), waiting for it to be parsed; nil after the last.
    /// - Throws: what stopped the reading (an unreadable file, say), after the blocks read before it.
    func next() throws -> Parsed? {
        condition.lock()
        defer { condition.unlock() }
        while ready.isEmpty && !finished { condition.wait() }
        if !ready.isEmpty {
            let block = ready.removeFirst()
            condition.broadcast()
            return block
        }
        if let failure { throw failure }
        return nil
    }

    /// Stops the parsing thread (if it is still reading) and waits for it to return. Call once, when done.
    func stop() {
        condition.lock()
        stopped = true
        condition.broadcast()
        condition.unlock()
        exited.wait()
    }
}
