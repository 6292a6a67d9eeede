/// GPT-2's pre-tokenizer: splits text into the pieces BPE works on, exactly as the regular expression
///
///     's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
///
/// does, but written out by hand over Unicode scalars (a regex engine is several times slower here).
/// Letters are general categories L*, numbers N*, whitespace the Unicode White_Space property.
///
/// ```swift
/// GPT2PreTokenizer.pieces(of: "I'll pay 42  dollars!")
/// // ["I", "'ll", " pay", " 42", " ", " dollars", "!"]
/// ```
public enum GPT2PreTokenizer {
    /// The pieces of `text`, in order; joined they give `text` back.
    public static func pieces(of text: String) -> [String] {
        piecesOf(text, splitBy: ranges(in:))
    }

    enum Kind: UInt8 {
        case letter, number, whitespace, other
    }

    static func kind(of scalar: Unicode.Scalar) -> Kind {
        let value = scalar.value
        if value < 0x80 {  // ASCII fast path
            switch value {
            case 0x41...0x5A, 0x61...0x7A: return .letter
            case 0x30...0x39: return .number
            case 0x09...0x0D, 0x20: return .whitespace
            default: return .other
            }
        }
        let properties = scalar.properties
        if properties.isWhitespace { return .whitespace }
        switch properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter:
            return .letter
        case .decimalNumber, .letterNumber, .otherNumber:
            return .number
        default:
            return .other
        }
    }

    /// The ranges of the pieces of `scalars` (indices are those of `scalars`).
    static func ranges(in scalars: ArraySlice<Unicode.Scalar>) -> [Range<Int>] {
        var result: [Range<Int>] = []
        let end = scalars.endIndex
        var start = scalars.startIndex
        while start < end {
            let length = pieceLength(in: scalars, at: start)
            result.append(start..<(start + length))
            start += length
        }
        return result
    }

    /// The length of the piece the expression matches at `start` (always at least 1).
    static func pieceLength(in scalars: ArraySlice<Unicode.Scalar>, at start: Int) -> Int {
        let end = scalars.endIndex
        let first = scalars[start]

        // 's 't 're 've 'm 'll 'd (ASCII apostrophe, lowercase, as in GPT-2)
        if first == "'" && start + 1 < end {
            let second = scalars[start + 1]
            if second == "s" || second == "t" || second == "m" || second == "d" { return 2 }
            if start + 2 < end {
                let third = scalars[start + 2]
                if (second == "r" && third == "e") || (second == "v" && third == "e") || (second == "l" && third == "l")
                {
                    return 3
                }
            }
        }

        // ` ?\p{L}+`, ` ?\p{N}+`, ` ?[^\s\p{L}\p{N}]+`: an optional space, then a run of one kind.
        var runStart = start
        var runKind = kind(of: first)
        if first == " " && start + 1 < end {
            let next = kind(of: scalars[start + 1])
            if next != .whitespace {
                runStart = start + 1
                runKind = next
            }
        }
        if runKind != .whitespace {
            var index = runStart + 1
            while index < end && kind(of: scalars[index]) == runKind { index += 1 }
            return index - start
        }

        // `\s+(?!\S)` then `\s+`: a whitespace run, leaving its last scalar to the next piece when a
        // non-space follows (so " word" keeps its space), unless the run is a single scalar.
        var index = start + 1
        while index < end && kind(of: scalars[index]) == .whitespace { index += 1 }
        if index < end && index - start >= 2 { return index - start - 1 }
        return index - start
    }
}

/// The pieces of `text` that `ranges` splits its scalars into, as strings.
func piecesOf(_ text: String, splitBy ranges: (ArraySlice<Unicode.Scalar>) -> [Range<Int>]) -> [String] {
    let scalars = Array(text.unicodeScalars)
    return ranges(scalars[...]).map { range in
        var view = String.UnicodeScalarView()
        view.append(contentsOf: scalars[range])
        return String(view)
    }
}
