/// GPT-2's byte-level alphabet: each of the 256 byte values stands for one printable Unicode scalar, so any
/// text becomes a string of visible characters that BPE can merge (a space becomes `Ġ`, a newline `Ċ`).
///
/// Bytes that are printable Latin-1 (`!`…`~`, `¡`…`¬`, `®`…`ÿ`) stand for themselves; the other 68 stand for
/// U+0100, U+0101, … in byte order. This is the mapping every GPT-2-style `tokenizer.json` uses.
public enum ByteLevel {
    /// The scalar standing for each byte value.
    public static let scalarForByte: [Unicode.Scalar] = {
        var scalars: [Unicode.Scalar] = []
        scalars.reserveCapacity(256)
        var next: UInt32 = 256
        for byte in 0..<256 {
            if (33...126).contains(byte) || (161...172).contains(byte) || (174...255).contains(byte) {
                scalars.append(Unicode.Scalar(UInt8(byte)))
            } else {
                scalars.append(Unicode.Scalar(next) ?? " ")
                next += 1
            }
        }
        return scalars
    }()

    /// The byte each alphabet scalar stands for.
    public static let byteForScalar: [Unicode.Scalar: UInt8] = {
        var map: [Unicode.Scalar: UInt8] = [:]
        for (byte, scalar) in scalarForByte.enumerated() { map[scalar] = UInt8(byte) }
        return map
    }()

    /// `bytes` written in the byte-level alphabet, e.g. `[0x20, 0x68, 0x69]` → `"Ġhi"`.
    public static func encode<Bytes: Sequence>(_ bytes: Bytes) -> String where Bytes.Element == UInt8 {
        var text = String.UnicodeScalarView()
        for byte in bytes { text.append(scalarForByte[Int(byte)]) }
        return String(text)
    }

    /// The bytes a byte-level token string stands for, or nil when it has a scalar outside the alphabet.
    public static func decode(_ token: String) -> [UInt8]? {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(token.unicodeScalars.count)
        for scalar in token.unicodeScalars {
            guard let byte = byteForScalar[scalar] else { return nil }
            bytes.append(byte)
        }
        return bytes
    }
}
