import Foundation

/// Reads a JSON Lines file (one JSON value per line, UTF-8) without loading it whole, numbering its lines
/// so that every problem is reported as `FILE:LINE: what is wrong — what to do` (a ``LineError``).
///
/// What every reader of JSON Lines in Tally accepts:
/// - a UTF-8 byte order mark before the first line is ignored;
/// - a line may end in `\n` or `\r\n`; the last line needs no newline;
/// - blank lines (nothing but spaces and tabs) are skipped, but counted, so line numbers match an editor's;
/// - a gzip-compressed file (Anthropic's HH-RLHF files are published so) is decompressed as it is read,
///   whatever its name; a damaged or cut-short one is reported as such.
///
/// ```swift
/// let reader = JSONLinesReader(url: URL(fileURLWithPath: "battles.jsonl"), name: "battles.jsonl")
/// try reader.forEachObject { line, object in
///     guard let winner = object["winner"]?.stringValue else { throw LineProblem("\"winner\" is missing") }
///     …
/// }
/// ```
public struct JSONLinesReader: Sendable {
    /// How many bytes are read at a time.
    public static let chunkSize = 4 << 20

    /// The file read.
    public let url: URL
    /// The file as named in errors (the path as the user gave it).
    public let name: String

    public init(url: URL, name: String? = nil) {
        self.url = url
        self.name = name ?? url.relativePath
    }

    // MARK: - Lines and objects

    /// Calls `body` with the number and bytes of each non-blank line, line ending removed. A ``LineProblem``
    /// thrown by `body` becomes a ``LineError`` naming the file and the line.
    /// - Throws: ``LineError`` when the file cannot be read or `body` finds a problem; what else `body` throws.
    public func forEachLine(_ body: (Int, UnsafeBufferPointer<UInt8>) throws -> Void) throws {
        try forEachBlock { firstLine, block in
            try Self.forEachLine(in: block, firstLine: firstLine) { number, line in
                do {
                    try body(number, line)
                } catch let problem as LineProblem {
                    throw LineError(file: name, line: number, problem)
                }
            }
        }
    }

    /// Calls `body` with the number and value of each non-blank line, which must be a JSON object. A
    /// ``LineProblem`` thrown by `body` becomes a ``LineError`` naming the file and the line.
    /// - Throws: ``LineError`` for a line that is not valid UTF-8, not valid JSON or not an object.
    public func forEachObject(_ body: (Int, [String: JSONNode]) throws -> Void) throws {
        try forEachLine { number, line in try body(number, try Self.object(in: line)) }
    }

    /// The objects of JSON Lines text held in memory, `name` naming it in errors; the same rules as a file's.
    public static func forEachObject(
        in bytes: [UInt8], name: String, _ body: (Int, [String: JSONNode]) throws -> Void
    ) throws {
        let start = bytes.starts(with: byteOrderMark) ? byteOrderMark.count : 0
        try bytes.withUnsafeBufferPointer { all in
            try forEachLine(in: UnsafeBufferPointer(rebasing: all[start...]), firstLine: 1) { number, line in
                do {
                    try body(number, try object(in: line))
                } catch let problem as LineProblem {
                    throw LineError(file: name, line: number, problem)
                }
            }
        }
    }

    /// `line` as text.
    /// - Throws: ``LineProblem`` when it is not valid UTF-8.
    public static func text(of line: UnsafeBufferPointer<UInt8>) throws -> String {
        guard let text = String(validating: line, as: UTF8.self) else {
            throw LineProblem("the line is not valid UTF-8", advice: "re-save the file as UTF-8")
        }
        return text
    }

    /// `line` parsed as one JSON value.
    /// - Throws: ``LineProblem`` when it is not valid UTF-8 or not valid JSON (with the column).
    public static func value(in line: UnsafeBufferPointer<UInt8>) throws -> JSONNode {
        _ = try text(of: line)
        do {
            return try JSONParser.parse(line)
        } catch let failure as JSONParser.Failure {
            throw LineProblem(
                "not valid JSON (\(failure.description))", advice: "each line must hold one complete JSON value")
        }
    }

    /// `line` parsed as one JSON object.
    /// - Throws: ``LineProblem`` when it is not valid UTF-8, not valid JSON or not an object.
    public static func object(in line: UnsafeBufferPointer<UInt8>) throws -> [String: JSONNode] {
        guard case .object(let members) = try value(in: line) else {
            throw LineProblem("expected a JSON object ({…}) on this line")
        }
        return members
    }

    // MARK: - Blocks of lines, for parsing in parallel

    private static let byteOrderMark: [UInt8] = [0xEF, 0xBB, 0xBF]

    /// Calls `body` with consecutive blocks of whole lines and the number of each block's first line.
    /// Every block but the last ends with a newline.
    /// `progress` hears how many bytes were read so far and the file's size.
    /// - Throws: ``LineError`` (for the whole file, line 0) when the file cannot be opened or read, or is
    ///   damaged gzip data; what `body` throws.
    public func forEachBlock(
        progress: ((Int64, Int64) -> Void)? = nil, _ body: (Int, UnsafeBufferPointer<UInt8>) throws -> Void
    ) throws {
        var isFolder: ObjCBool = false
        let exists = FileManager.default.fileExists(atPath: url.path, isDirectory: &isFolder)
        // A folder opens for reading on Linux, and fails only when read.
        guard exists, !isFolder.boolValue, let handle = FileHandle(forReadingAtPath: url.path) else {
            throw unreadable()
        }
        defer { try? handle.close() }
        let size = (try? FileManager.default.attributesOfItem(atPath: url.path)[.size] as? NSNumber)?.int64Value ?? 0
        var bytesRead: Int64 = 0
        var pending: [UInt8] = []
        var nextLine = 1
        var inflater: GzipInflater?
        var byteOrderMarkChecked = false
        while true {
            let chunk: Data
            do {
                chunk = try handle.read(upToCount: Self.chunkSize) ?? Data()
            } catch {
                // Foundation's text for this names no cause a user can act on ("error 256").
                throw LineError(
                    file: name, line: 0, message: "could not be read to the end",
                    advice: "check the file and its disk, then try again")
            }
            if chunk.isEmpty { break }
            if bytesRead == 0 && chunk.starts(with: Self.gzipMagic) { inflater = try GzipInflater() }
            bytesRead += Int64(chunk.count)
            progress?(bytesRead, size)
            if let inflater {
                do {
                    pending.append(contentsOf: try inflater.inflate(chunk))
                } catch let problem as GzipInflater.Problem {
                    throw damaged(problem)
                }
            } else {
                pending.append(contentsOf: chunk)
            }
            if !byteOrderMarkChecked && pending.count >= Self.byteOrderMark.count {
                byteOrderMarkChecked = true
                if pending.starts(with: Self.byteOrderMark) { pending.removeFirst(Self.byteOrderMark.count) }
            }
            guard let lastNewline = pending.lastIndex(of: 0x0A) else { continue }
            try pending.withUnsafeBufferPointer { all in
                let block = UnsafeBufferPointer(rebasing: all[0...lastNewline])
                try body(nextLine, block)
                nextLine += Self.newlineCount(block)
            }
            pending.removeSubrange(0...lastNewline)
        }
        do {
            try inflater?.finish()
        } catch let problem as GzipInflater.Problem {
            throw damaged(problem)
        }
        if !pending.isEmpty {
            try pending.withUnsafeBufferPointer { try body(nextLine, $0) }
        }
    }

    /// Why the file cannot be opened, in words a user can act on.
    public func unreadable() -> LineError {
        var isFolder: ObjCBool = false
        if !FileManager.default.fileExists(atPath: url.path, isDirectory: &isFolder) {
            return LineError(file: name, line: 0, message: "does not exist", advice: "check the path")
        }
        if isFolder.boolValue {
            return LineError(
                file: name, line: 0, message: "is a folder, not a file", advice: "give the path of a .jsonl file")
        }
        return LineError(
            file: name, line: 0, message: "cannot be opened for reading (permission denied)",
            advice: "check the file's permissions")
    }

    private static let gzipMagic: [UInt8] = [0x1F, 0x8B]

    private func damaged(_ problem: GzipInflater.Problem) -> LineError {
        LineError(
            file: name, line: 0, message: problem.description,
            advice: "download or copy it again (gzip -t \(name) checks a file)")
    }

    /// How many newline bytes `bytes` holds.
    public static func newlineCount(_ bytes: UnsafeBufferPointer<UInt8>) -> Int {
        var count = 0
        for byte in bytes where byte == 0x0A { count += 1 }
        return count
    }

    /// Calls `body` for each non-blank line of `block` (line ending removed), numbered from `firstLine`.
    public static func forEachLine(
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
    public static func split(_ block: UnsafeBufferPointer<UInt8>, into parts: Int)
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
