import Foundation

/// A problem on one line of an input file, printed as `FILE:LINE: what is wrong`.
public struct LineError: Error, CustomStringConvertible, Hashable, Sendable {
    /// The file as the user named it.
    public var file: String
    /// The 1-based line number.
    public var line: Int
    /// What is wrong with the line.
    public var message: String

    public init(file: String, line: Int, message: String) {
        self.file = file
        self.line = line
        self.message = message
    }

    public var description: String { "\(file):\(line): \(message)" }
}

/// Reads a file in blocks of whole lines, without loading it whole.
struct JSONLReader {
    /// How many bytes are read at a time.
    static let chunkSize = 4 << 20

    let url: URL

    /// The error for a file that cannot be opened for reading.
    static func unreadable(_ url: URL) -> StoreError {
        StoreError.invalid("\(url.path): cannot open the file for reading (does it exist?)")
    }

    /// Calls `body` with consecutive blocks of whole lines and the number of each block's first line.
    /// Every block but the last ends with a newline.
    /// `progress` hears how many bytes were read so far and the file's size.
    func forEachBlock(
        progress: ((Int64, Int64) -> Void)? = nil, _ body: (Int, UnsafeBufferPointer<UInt8>) throws -> Void
    ) throws {
        guard let handle = FileHandle(forReadingAtPath: url.path) else { throw Self.unreadable(url) }
        defer { try? handle.close() }
        let size = (try? FileManager.default.attributesOfItem(atPath: url.path)[.size] as? NSNumber)?.int64Value ?? 0
        var bytesRead: Int64 = 0
        var pending: [UInt8] = []
        var nextLine = 1
        while true {
            let chunk: Data
            do {
                chunk = try handle.read(upToCount: Self.chunkSize) ?? Data()
            } catch {
                throw StoreError.invalid("\(url.path): cannot read the file: \(error.localizedDescription)")
            }
            if chunk.isEmpty { break }
            bytesRead += Int64(chunk.count)
            progress?(bytesRead, size)
            pending.append(contentsOf: chunk)
            if bytesRead == Int64(chunk.count) && pending.starts(with: [0xEF, 0xBB, 0xBF]) {
                pending.removeFirst(3)  // a UTF-8 byte order mark is not part of the first line
            }
            guard let lastNewline = pending.lastIndex(of: 0x0A) else { continue }
            try pending.withUnsafeBufferPointer { all in
                let block = UnsafeBufferPointer(rebasing: all[0...lastNewline])
                try body(nextLine, block)
                nextLine += Self.newlineCount(block)
            }
            pending.removeSubrange(0...lastNewline)
        }
        if !pending.isEmpty {
            try pending.withUnsafeBufferPointer { try body(nextLine, $0) }
        }
    }

    /// How many newline bytes `bytes` holds.
    static func newlineCount(_ bytes: UnsafeBufferPointer<UInt8>) -> Int {
        var count = 0
        for byte in bytes where byte == 0x0A { count += 1 }
        return count
    }

    /// Calls `body` for each non-blank line of `block`, numbered from `firstLine`.
    static func forEachLine(
        in block: UnsafeBufferPointer<UInt8>, firstLine: Int, _ body: (Int, UnsafeBufferPointer<UInt8>) throws -> Void
    ) throws {
        var lineNumber = firstLine
        var start = 0
        var index = 0
        while index < block.count {
            if block[index] == 0x0A {
                try emit(lineNumber, UnsafeBufferPointer(rebasing: block[start..<index]), body)
                lineNumber += 1
                start = index + 1
            }
            index += 1
        }
        if start < block.count {
            try emit(lineNumber, UnsafeBufferPointer(rebasing: block[start..<block.count]), body)
        }
    }

    /// Splits `block` into at most `parts` pieces of whole lines, each with its first line's offset
    /// from the block's first line.
    static func split(_ block: UnsafeBufferPointer<UInt8>, into parts: Int)
        -> [(lineOffset: Int, bytes: UnsafeBufferPointer<UInt8>)]
    {
        var pieces: [(Int, UnsafeBufferPointer<UInt8>)] = []
        var start = 0
        var lineOffset = 0
        for part in 0..<parts where start < block.count {
            var end = part == parts - 1 ? block.count : max(start, block.count * (part + 1) / parts)
            while end < block.count && end > 0 && block[end - 1] != 0x0A { end += 1 }
            let piece = UnsafeBufferPointer(rebasing: block[start..<end])
            pieces.append((lineOffset, piece))
            lineOffset += newlineCount(piece)
            start = end
        }
        return pieces
    }

    private static func emit(
        _ number: Int, _ line: UnsafeBufferPointer<UInt8>, _ body: (Int, UnsafeBufferPointer<UInt8>) throws -> Void
    ) throws {
        var end = line.count
        if end > 0 && line[end - 1] == 0x0D { end -= 1 }
        var blank = true
        for index in 0..<end where line[index] != 0x20 && line[index] != 0x09 {
            blank = false
            break
        }
        if blank { return }
        try body(number, UnsafeBufferPointer(rebasing: line[0..<end]))
    }
}
