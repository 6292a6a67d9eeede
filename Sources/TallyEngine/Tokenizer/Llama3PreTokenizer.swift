/// Llama 3's pre-tokenizer (a `Split` with `Isolated` behaviour before a `ByteLevel` step without its own
/// pattern): splits text into the pieces BPE works on, exactly as the regular expression ``pattern`` does,
/// written out by hand over Unicode scalars like ``GPT2PreTokenizer``. The differences from GPT-2's: numbers
/// come in runs of at most three digits, a letter run takes one leading non-letter (`"$x"`, `" x"`), the
/// contractions ignore case, and line breaks end punctuation runs and whitespace runs.
///
/// ```swift
/// Llama3PreTokenizer.pieces(of: "I'LL pay 12345!\n\n  ok")
/// // ["I", "'LL", " pay", " ", "123", "45", "!\n\n", " ", " ok"]
/// ```
public enum Llama3PreTokenizer {
    /// The pattern as Llama 3's `tokenizer.json` spells it (`pre_tokenizer.pretokenizers[0].pattern.Regex`).
    public static let pattern =
        "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*"
        + "|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+"

    /// The pieces of `text`, in order; joined they give `text` back.
    public static func pieces(of text: String) -> [String] {
        piecesOf(text, splitBy: ranges(in:))
    }

    /// The ranges of the pieces of `scalars` (indices are those of `scalars`).
    static func ranges(in scalars: ArraySlice<Unicode.Scalar>) -> [Range<Int>] {
        var result: [Range<Int>] = []
        var start = scalars.startIndex
        while start < scalars.endIndex {
            let length = pieceLength(in: scalars, at: start)
            result.append(start..<(start + length))
            start += length
        }
        return result
    }

    private static func isLineBreak(_ scalar: Unicode.Scalar) -> Bool { scalar == "\r" || scalar == "\n" }

    /// ASCII letters lowercased, for the contractions: the `tokenizers` library's case-insensitive match folds
    /// no other scalar to their letters (not `ſ`, long s).
    private static func folded(_ scalar: Unicode.Scalar) -> Unicode.Scalar {
        if scalar.value >= 0x41 && scalar.value <= 0x5A { return Unicode.Scalar(scalar.value + 0x20)! }
        return scalar
    }

    /// The length of the piece the expression matches at `start` (always at least 1): the first alternative
    /// that matches, as a backtracking regex engine takes it.
    static func pieceLength(in scalars: ArraySlice<Unicode.Scalar>, at start: Int) -> Int {
        let end = scalars.endIndex
        let first = scalars[start]
        let firstKind = GPT2PreTokenizer.kind(of: first)
        func kindAt(_ index: Int) -> GPT2PreTokenizer.Kind? {
            index < end ? GPT2PreTokenizer.kind(of: scalars[index]) : nil
        }

        // (?i:'s|'t|'re|'ve|'m|'ll|'d)
        if first == "'" && start + 1 < end {
            let second = folded(scalars[start + 1])
            if second == "s" || second == "t" || second == "m" || second == "d" { return 2 }
            if start + 2 < end {
                let third = folded(scalars[start + 2])
                if (second == "r" && third == "e") || (second == "v" && third == "e") || (second == "l" && third == "l")
                {
                    return 3
                }
            }
        }

        // [^\r\n\p{L}\p{N}]?\p{L}+
        var letters = start
        if firstKind != .letter && firstKind != .number && !isLineBreak(first) && kindAt(start + 1) == .letter {
            letters = start + 1
        }
        if kindAt(letters) == .letter {
            var index = letters + 1
            while kindAt(index) == .letter { index += 1 }
            return index - start
        }

        // \p{N}{1,3}
        if firstKind == .number {
            var index = start + 1
            while index < start + 3 && kindAt(index) == .number { index += 1 }
            return index - start
        }

        // ' ?[^\s\p{L}\p{N}]+[\r\n]*'
        let symbols = first == " " && kindAt(start + 1) == .other ? start + 1 : start
        if kindAt(symbols) == .other {
            var index = symbols + 1
            while kindAt(index) == .other { index += 1 }
            while index < end && isLineBreak(scalars[index]) { index += 1 }
            return index - start
        }

        // What is left starts with whitespace. \s*[\r\n]+ : through the last line break of the run.
        var runEnd = start + 1
        while kindAt(runEnd) == .whitespace { runEnd += 1 }
        if let lastBreak = scalars[start..<runEnd].lastIndex(where: isLineBreak) {
            return lastBreak + 1 - start
        }
        // \s+(?!\S) then \s+: the run, leaving its last scalar to the next piece when a non-space follows.
        if runEnd < end && runEnd - start >= 2 { return runEnd - start - 1 }
        return runEnd - start
    }
}
