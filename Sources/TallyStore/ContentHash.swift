import Crypto
import Foundation

/// SHA-256 hashes that identify prompts, responses and instruction texts.
enum ContentHash {
    /// The lowercase hex SHA-256 of `text`'s UTF-8 bytes.
    static func sha256Hex(_ text: String) -> String {
        var text = text
        let digest = text.withUTF8 { SHA256.hash(data: UnsafeRawBufferPointer($0)) }
        return hex(digest)
    }

    /// The lowercase hex form of a digest.
    static func hex<D: Sequence>(_ digest: D) -> String where D.Element == UInt8 {
        let digits = Array("0123456789abcdef".utf8)
        var bytes = [UInt8]()
        bytes.reserveCapacity(64)
        for byte in digest {
            bytes.append(digits[Int(byte >> 4)])
            bytes.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The hash under which duplicate prompts are merged: whitespace runs collapse to one space,
    /// ends are trimmed, line endings unified, and a single user message counts as its text.
    static func promptHash(_ content: PromptContent) -> String {
        switch content.canonical {
        case .text(let text):
            return sha256Hex("text\u{1F}" + normalized(text))
        case .messages(let messages):
            var joined = "messages"
            for message in messages {
                joined += "\u{1E}" + message.role + "\u{1F}" + normalized(message.content)
            }
            return sha256Hex(joined)
        }
    }

    /// `text` with runs of whitespace collapsed to one space and the ends trimmed.
    static func normalized(_ text: String) -> String {
        var result = ""
        result.reserveCapacity(text.utf8.count)
        var pendingSpace = false
        for scalar in text.unicodeScalars {
            if scalar.properties.isWhitespace {
                pendingSpace = !result.isEmpty
            } else {
                if pendingSpace {
                    result.unicodeScalars.append(" ")
                    pendingSpace = false
                }
                result.unicodeScalars.append(scalar)
            }
        }
        return result
    }
}
