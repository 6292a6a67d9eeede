import Foundation
import TallyIO

/// Writes JSON Lines with keys in a fixed order, atomically (``AtomicFile``): a temporary file in the same
/// folder, fsynced, then renamed over `url`, so a reader never sees half a file and a failed export leaves
/// the earlier file as it was.
final class JSONLWriter {
    private let file: AtomicFile
    private var buffer: [UInt8] = []
    private(set) var lineCount = 0

    init(url: URL) throws {
        file = try AtomicFile(url: url)
        buffer.reserveCapacity(1 << 16)
    }

    /// Appends one line: a JSON object whose members are written in the given order.
    func writeLine(_ members: [(String, JSONValue)]) throws {
        JSONValue.object(members).append(to: &buffer)
        buffer.append(0x0A)
        lineCount += 1
        if buffer.count >= 1 << 16 { try flush() }
    }

    /// Flushes, fsyncs and renames the file into place.
    func finish() throws {
        try flush()
        try file.commit()
    }

    /// Removes the temporary file after a failure.
    func abandon() {
        file.abandon()
    }

    private func flush() throws {
        try file.write(buffer)
        buffer.removeAll(keepingCapacity: true)
    }
}

/// A JSON value with ordered object members, written compactly (strings by ``JSONString``'s rule).
indirect enum JSONValue {
    case string(String)
    case number(Double)
    case integer(Int64)
    case bool(Bool)
    case null
    case array([JSONValue])
    case object([(String, JSONValue)])

    static func messages(_ messages: [Message]) -> JSONValue {
        .array(messages.map { .object([("role", .string($0.role)), ("content", .string($0.content))]) })
    }

    func append(to out: inout [UInt8]) {
        switch self {
        case .string(let text): JSONString.append(text, to: &out)
        case .number(let value): out.append(contentsOf: Array(String(value).utf8))
        case .integer(let value): out.append(contentsOf: Array(String(value).utf8))
        case .bool(let value): out.append(contentsOf: Array((value ? "true" : "false").utf8))
        case .null: out.append(contentsOf: Array("null".utf8))
        case .array(let items):
            out.append(UInt8(ascii: "["))
            for (index, item) in items.enumerated() {
                if index > 0 { out.append(contentsOf: [UInt8(ascii: ","), UInt8(ascii: " ")]) }
                item.append(to: &out)
            }
            out.append(UInt8(ascii: "]"))
        case .object(let members):
            out.append(UInt8(ascii: "{"))
            for (index, member) in members.enumerated() {
                if index > 0 { out.append(contentsOf: [UInt8(ascii: ","), UInt8(ascii: " ")]) }
                JSONString.append(member.0, to: &out)
                out.append(contentsOf: [UInt8(ascii: ":"), UInt8(ascii: " ")])
                member.1.append(to: &out)
            }
            out.append(UInt8(ascii: "}"))
        }
    }
}
