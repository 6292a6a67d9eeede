/// Makes untrusted text (model output, imports, other labelers' names and notes, file names) safe to put on a
/// terminal: the one sanitiser of the command line and the labeling screens.
///
/// Nothing that comes out can move the cursor, change colours, clear the screen, retitle the window or
/// write the clipboard, because every scalar that could start or take part in such a sequence is replaced
/// by a visible stand-in:
///
/// | input | shown as |
/// |---|---|
/// | ESC (0x1B) | `␛` |
/// | other C0 controls 0x00–0x1F (except newline; tab becomes spaces) | their control pictures `␀`…`␟` |
/// | DEL 0x7F | `␡` |
/// | C1 controls 0x80–0x9F (8-bit CSI, OSC, …) | `<U+009B>` |
/// | bidi overrides, embeddings, isolates and marks ("Trojan source") | `<U+202E>` |
/// | deprecated format controls U+206A–206F (symmetric swapping, shaping, digit shapes) | `<U+206A>` |
/// | invisible characters (zero-width space, word joiner, BOM, soft hyphen, fillers, tags, …) | `<U+200B>` |
/// | a zero-width joiner outside an emoji sequence | `<U+200D>` |
/// | a zero-width non-joiner touching ASCII (Persian and Indic scripts keep theirs) | `<U+200C>` |
///
/// Carriage return plus newline is one newline; a lone carriage return is `␍`.
///
/// ```swift
/// TerminalSanitizer.sanitize("ok\u{1B}]52;c;aGk=\u{07}")   // "ok␛]52;c;aGk=␇"
/// ```
public enum TerminalSanitizer {
    /// Spaces a tab becomes.
    public static let tabWidth = 4

    /// Sanitises multi-line text, keeping newlines (and turning U+2028/U+2029 into newlines).
    public static func sanitize(_ text: String) -> String {
        if isPlainPrintable(text, allowingNewlines: true) { return text }
        return escape(text, keepNewlines: true)
    }

    /// Sanitises text meant for a single row: newlines are shown as `␤`.
    public static func sanitizeLine(_ text: String) -> String {
        if isPlainPrintable(text) { return text }
        return escape(text, keepNewlines: false)
    }

    /// Whether the text is printable ASCII only (and newlines when allowed): the common case, left as is.
    @inline(__always)
    public static func isPlainPrintable(_ text: String, allowingNewlines: Bool = false) -> Bool {
        for byte in text.utf8 {
            if byte >= 0x20 && byte < 0x7F { continue }
            if allowingNewlines && byte == 0x0A { continue }
            return false
        }
        return true
    }

    /// The visible form of one scalar that may not reach the terminal, or `nil` when it may.
    private static func visibleForm(of scalar: Unicode.Scalar) -> String? {
        let value = scalar.value
        switch value {
        case 0x1B: return "\u{241B}"
        case 0x00...0x1F: return String(Unicode.Scalar(0x2400 + value) ?? "?")
        case 0x7F: return "\u{2421}"
        case 0x80...0x9F: return codePoint(value)
        case 0x202A...0x202E, 0x2066...0x2069, 0x200E, 0x200F, 0x061C, 0x206A...0x206F: return codePoint(value)
        case 0x200B, 0x2060...0x2064, 0xFEFF, 0x00AD, 0x180E, 0x034F, 0x115F, 0x1160, 0x3164, 0xFFA0,
            0xFFF9...0xFFFB, 0x2028, 0x2029:
            return codePoint(value)
        case 0xE0000...0xE007F, 0x1D173...0x1D17A: return codePoint(value)
        default: return nil
        }
    }

    static func codePoint(_ value: UInt32) -> String {
        let hex = String(value, radix: 16, uppercase: true)
        return "<U+" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex + ">"
    }

    private static func isEmojiLike(_ value: UInt32) -> Bool {
        (0x1F000...0x1FAFF).contains(value) || (0x2600...0x27BF).contains(value) || value == 0xFE0F
            || (0x1F3FB...0x1F3FF).contains(value)
    }

    private static func escape(_ text: String, keepNewlines: Bool) -> String {
        let scalars = Array(text.unicodeScalars)
        var out = String.UnicodeScalarView()
        out.reserveCapacity(scalars.count)
        var inTagSequence = false
        var index = 0
        while index < scalars.count {
            let scalar = scalars[index]
            let value = scalar.value
            defer { index += 1 }
            if value >= 0x20 && value < 0x7F {
                out.append(scalar)
                inTagSequence = false
                continue
            }
            switch value {
            case 0x0A, 0x2028, 0x2029:
                if keepNewlines { out.append("\n") } else { out.append(contentsOf: "\u{2424}".unicodeScalars) }
                continue
            case 0x0D:
                if index + 1 < scalars.count, scalars[index + 1].value == 0x0A { continue }
                out.append(contentsOf: "\u{240D}".unicodeScalars)
                continue
            case 0x09:
                out.append(contentsOf: String(repeating: " ", count: tabWidth).unicodeScalars)
                continue
            case 0x200C, 0x200D:
                // A joiner between emoji makes one picture (a family); Persian and other scripts need the
                // non-joiner between their letters. Anywhere else they only hide text.
                let before = index > 0 ? scalars[index - 1].value : 0
                let after = index + 1 < scalars.count ? scalars[index + 1].value : 0
                let needed =
                    value == 0x200D ? isEmojiLike(before) && isEmojiLike(after) : before >= 0x80 && after >= 0x80
                out.append(contentsOf: needed ? String(scalar).unicodeScalars : codePoint(value).unicodeScalars)
                continue
            case 0xE0020...0xE007F:
                // Subdivision flags (🏴 + tags + cancel tag) are legitimate; tags anywhere else hide text.
                let previous = index > 0 ? scalars[index - 1].value : 0
                if previous == 0x1F3F4 || inTagSequence {
                    out.append(scalar)
                    inTagSequence = value != 0xE007F
                    continue
                }
            default:
                break
            }
            inTagSequence = false
            if let visible = visibleForm(of: scalar) {
                out.append(contentsOf: visible.unicodeScalars)
            } else {
                out.append(scalar)
            }
        }
        return String(out)
    }
}
