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

    /// The SHA-256 of `text` as four 64-bit words, a cheap dictionary key.
    static func digest(_ text: String) -> Digest {
        var text = text
        return text.withUTF8 { Digest(SHA256.hash(data: UnsafeRawBufferPointer($0))) }
    }

    /// A SHA-256 digest held as four 64-bit words (big-endian order of the digest bytes).
    struct Digest: Hashable {
        let words: (UInt64, UInt64, UInt64, UInt64)

        init(_ digest: SHA256.Digest) {
            words = digest.withUnsafeBytes { raw in
                (
                    UInt64(bigEndian: raw.loadUnaligned(fromByteOffset: 0, as: UInt64.self)),
                    UInt64(bigEndian: raw.loadUnaligned(fromByteOffset: 8, as: UInt64.self)),
                    UInt64(bigEndian: raw.loadUnaligned(fromByteOffset: 16, as: UInt64.self)),
                    UInt64(bigEndian: raw.loadUnaligned(fromByteOffset: 24, as: UInt64.self))
                )
            }
        }

        /// The 32 digest bytes, as stored in `prompt.contentHash`.
        var data: Data {
            var bytes = Data(capacity: 32)
            for word in [words.0, words.1, words.2, words.3] {
                withUnsafeBytes(of: word.bigEndian) { bytes.append(contentsOf: $0) }
            }
            return bytes
        }

        /// The first 64 bits as a signed integer, as stored in `response.textHash`.
        var prefix: Int64 { Int64(bitPattern: words.0) }

        static func == (lhs: Digest, rhs: Digest) -> Bool { lhs.words == rhs.words }

        func hash(into hasher: inout Hasher) {
            hasher.combine(words.0)
            hasher.combine(words.1)
        }
    }

    /// The `response.textHash` of `text`.
    static func textKey(_ text: String) -> Int64 { digest(text).prefix }

    private static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)

    /// The lowercase hex form of a digest.
    static func hex<D: Sequence>(_ digest: D) -> String where D.Element == UInt8 {
        var bytes = [UInt8]()
        bytes.reserveCapacity(64)
        for byte in digest {
            bytes.append(hexDigits[Int(byte >> 4)])
            bytes.append(hexDigits[Int(byte & 0x0f)])
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The hash under which duplicate prompts are merged: whitespace runs collapse to one space,
    /// ends are trimmed, and a single user message counts as its text.
    static func promptHash(_ content: PromptContent) -> Digest {
        var hasher = SHA256()
        var buffer: [UInt8] = []
        switch content.canonical {
        case .text(let text):
            buffer.append(contentsOf: "text\u{1F}".utf8)
            appendNormalized(text, to: &buffer)
        case .messages(let messages):
            buffer.append(contentsOf: "messages".utf8)
            for message in messages {
                buffer.append(0x1E)
                buffer.append(contentsOf: message.role.utf8)
                buffer.append(0x1F)
                appendNormalized(message.content, to: &buffer)
            }
        }
        buffer.withUnsafeBytes { hasher.update(bufferPointer: $0) }
        return Digest(hasher.finalize())
    }

    /// Appends the UTF-8 of `text` with runs of whitespace collapsed to one space and the ends trimmed;
    /// ASCII takes a fast path and
    /// only other scalars consult Unicode's whitespace property.
    static func appendNormalized(_ text: String, to buffer: inout [UInt8]) {
        let start = buffer.count
        var pendingSpace = false
        for scalar in text.unicodeScalars {
            let value = scalar.value
            let isSpace: Bool
            if value < 0x80 {
                isSpace = value == 0x20 || (0x09...0x0D).contains(value)
            } else {
                isSpace = scalar.properties.isWhitespace
            }
            if isSpace {
                pendingSpace = buffer.count > start
                continue
            }
            if pendingSpace {
                buffer.append(0x20)
                pendingSpace = false
            }
            if value < 0x80 {
                buffer.append(UInt8(value))
            } else {
                UTF8.encode(scalar) { buffer.append($0) }
            }
        }
    }
}
