/// JSON string literals, written by one rule everywhere Tally writes JSON by hand (exports, checkpoint
/// manifests, tokenizer files, battle logs, `--json` output).
///
/// The rule is RFC 8259's, plus a few characters that are valid JSON either way but harm the readers of it:
/// - `"` and `\` are escaped as `\"` and `\\`;
/// - the C0 control characters U+0000–U+001F, which JSON requires escaped, are written as `\n`, `\r`, `\t`, or
///   `\u00XX` (lowercase hex);
/// - DEL and the C1 control characters U+007F–U+009F are written as `\u00XX`: a terminal may act on them when
///   a line is printed (U+009B starts a control sequence on some terminals);
/// - U+2028 LINE SEPARATOR and U+2029 PARAGRAPH SEPARATOR are written as `\u2028` and `\u2029`: JavaScript
///   before ES2019 rejects them raw in string literals, and Python's `str.splitlines` splits a JSON Lines
///   file at them;
/// - every other character is written as its UTF-8 bytes (no `\/`, no `\uXXXX` for non-ASCII text).
///
/// Lone surrogates cannot occur: a Swift `String` holds Unicode scalars only, and text decoded from invalid
/// UTF-8 already holds U+FFFD where the bad bytes were. (Reading, ``JSONParser`` rejects a `\uD800` escape
/// without its low half.)
///
/// ```swift
/// JSONString.quoted("say \"hi\"\n")  // "\"say \\\"hi\\\"\\n\""
/// ```
public enum JSONString {
    /// `text` as a JSON string literal, quotes included.
    public static func quoted(_ text: String) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count + 2)
        append(text, to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Appends `text` as a JSON string literal, quotes included, to `out` (UTF-8).
    public static func append(_ text: String, to out: inout [UInt8]) {
        var text = text
        out.append(UInt8(ascii: "\""))
        text.withUTF8 { bytes in
            var index = 0
            while index < bytes.count {
                let byte = bytes[index]
                // C1 controls are C2 80–C2 9F in UTF-8; U+2028 and U+2029 are E2 80 A8 and E2 80 A9.
                if byte == 0xC2, index + 1 < bytes.count, (0x80...0x9F).contains(bytes[index + 1]) {
                    appendUnicodeEscape(UInt32(bytes[index + 1]), to: &out)
                    index += 2
                    continue
                }
                if byte == 0xE2, index + 2 < bytes.count, bytes[index + 1] == 0x80,
                    bytes[index + 2] == 0xA8 || bytes[index + 2] == 0xA9
                {
                    appendUnicodeEscape(0x2000 + UInt32(bytes[index + 2] - 0x80), to: &out)
                    index += 3
                    continue
                }
                switch byte {
                case UInt8(ascii: "\""): out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\"")])
                case UInt8(ascii: "\\"): out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
                case 0x0A: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
                case 0x0D: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
                case 0x09: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
                case 0x00..<0x20, 0x7F: appendUnicodeEscape(UInt32(byte), to: &out)
                default: out.append(byte)
                }
                index += 1
            }
        }
        out.append(UInt8(ascii: "\""))
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)

    /// `\uXXXX` for a code point below U+10000.
    private static func appendUnicodeEscape(_ value: UInt32, to out: inout [UInt8]) {
        out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "u")])
        for shift in stride(from: 12, through: 0, by: -4) {
            out.append(hexDigits[Int((value >> UInt32(shift)) & 0xF)])
        }
    }
}
