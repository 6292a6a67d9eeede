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

/// Reads a file line by line in fixed-size chunks, without loading it whole.
struct JSONLReader {
    /// How many bytes are read at a time.
    static let chunkSize = 1 << 20

    let url: URL

    /// Calls `body` with each line's number (from 1) and bytes, without the line ending.
    /// Lines holding only spaces, tabs or a carriage return are skipped.
    func forEachLine(_ body: (Int, UnsafeBufferPointer<UInt8>) throws -> Void) throws {
        guard let handle = FileHandle(forReadingAtPath: url.path) else {
            throw StoreError.invalid("\(url.path): cannot open the file for reading (does it exist?)")
        }
        defer { try? handle.close() }
        var carried: [UInt8] = []
        var lineNumber = 0
        while true {
            let chunk: Data
            do {
                chunk = try handle.read(upToCount: Self.chunkSize) ?? Data()
            } catch {
                throw StoreError.invalid("\(url.path): cannot read the file: \(error.localizedDescription)")
            }
            if chunk.isEmpty { break }
            try chunk.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
                let bytes = raw.bindMemory(to: UInt8.self)
                var start = 0
                var index = 0
                while index < bytes.count {
                    if bytes[index] == 0x0A {
                        lineNumber += 1
                        if carried.isEmpty {
                            try emit(lineNumber, UnsafeBufferPointer(rebasing: bytes[start..<index]), body)
                        } else {
                            carried.append(contentsOf: bytes[start..<index])
                            try carried.withUnsafeBufferPointer { try emit(lineNumber, $0, body) }
                            carried.removeAll(keepingCapacity: true)
                        }
                        start = index + 1
                    }
                    index += 1
                }
                carried.append(contentsOf: bytes[start..<bytes.count])
            }
        }
        if !carried.isEmpty {
            lineNumber += 1
            try carried.withUnsafeBufferPointer { try emit(lineNumber, $0, body) }
        }
    }

    private func emit(
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
