import Foundation

/// Text helpers shared by the oracle, the split assigner and the generators.
public enum TextTools {
    /// Lower-cased words of `text`: letters and digits kept, apostrophes dropped
    /// (`"Neighbour's"` becomes `"neighbours"`, `"can't"` becomes `"cant"`), everything else a separator.
    ///
    /// This is the normalisation used for word 8-grams (decontamination) and for phrase matching.
    public static func normalizedWords(_ text: String) -> [String] {
        var words: [String] = []
        var current = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            if scalar == "'" || scalar == "\u{2019}" { continue }
            if scalar.isASCII {
                switch scalar.value {
                case 0x61...0x7A, 0x30...0x39:  // a–z, 0–9
                    current.append(scalar)
                    continue
                case 0x41...0x5A:  // A–Z
                    current.append(Unicode.Scalar(scalar.value + 0x20) ?? scalar)
                    continue
                default:
                    break
                }
            } else if scalar.properties.isAlphabetic || scalar.properties.numericType != nil {
                current.append(contentsOf: scalar.properties.lowercaseMapping.unicodeScalars)
                continue
            }
            if !current.isEmpty {
                words.append(String(current))
                current = String.UnicodeScalarView()
            }
        }
        if !current.isEmpty { words.append(String(current)) }
        return words
    }

    /// The normalised words joined by single spaces; the key for "is this the same prompt".
    public static func normalized(_ text: String) -> String {
        normalizedWords(text).joined(separator: " ")
    }

    /// Word n-grams of `words`, each joined by spaces.
    public static func ngrams(_ words: [String], size: Int) -> [String] {
        guard words.count >= size, size > 0 else { return [] }
        return (0...(words.count - size)).map { words[$0..<($0 + size)].joined(separator: " ") }
    }

    /// Whitespace-separated tokens, the unit of "how long is this answer".
    public static func wordCount(_ text: String) -> Int {
        text.split(whereSeparator: { $0.isWhitespace }).count
    }

    /// Whether the normalised words of `phrase` occur consecutively in `words`.
    public static func contains(_ words: [String], phrase: String) -> Bool {
        let target = normalizedWords(phrase)
        return firstIndex(of: target, in: words, from: 0) != nil
    }

    /// The first index at or after `start` where `target` occurs in `words` as a run.
    static func firstIndex(of target: [String], in words: [String], from start: Int) -> Int? {
        guard !target.isEmpty, words.count >= target.count, start <= words.count - target.count else { return nil }
        for index in start...(words.count - target.count) where words[index] == target[0] {
            if Array(words[index..<(index + target.count)]) == target { return index }
        }
        return nil
    }

    /// Every number written in `text` with digits: `82`, `-3`, `2.5`, `5,000`.
    ///
    /// A minus sign counts only when it touches the digits and does not follow a letter or digit,
    /// so `"12 - 5"` yields 12 and 5, and `"-3"` yields -3.
    public static func numbers(in text: String) -> [Double] {
        let characters = Array(text)
        var numbers: [Double] = []
        var index = 0
        while index < characters.count {
            let character = characters[index]
            let startsNegative =
                character == "-" && index + 1 < characters.count
                && characters[index + 1].isASCIIDigit
                && (index == 0 || !(characters[index - 1].isLetter || characters[index - 1].isNumber))
            guard character.isASCIIDigit || startsNegative else {
                index += 1
                continue
            }
            if index > 0, characters[index - 1].isLetter {
                // Digits glued to a word ("mp3", "H2O") are not a stated quantity.
                while index < characters.count, characters[index].isASCIIDigit { index += 1 }
                continue
            }
            var literal = startsNegative ? "-" : ""
            if startsNegative { index += 1 }
            while index < characters.count {
                let current = characters[index]
                if current.isASCIIDigit {
                    literal.append(current)
                    index += 1
                } else if current == ",", index + 3 < characters.count,
                    characters[(index + 1)...].prefix(3).allSatisfy({ $0.isASCIIDigit }),
                    index + 4 >= characters.count || !characters[index + 4].isASCIIDigit
                {
                    index += 1  // a thousands separator
                } else if current == ".", index + 1 < characters.count, characters[index + 1].isASCIIDigit,
                    !literal.contains(".")
                {
                    literal.append(current)
                    index += 1
                } else {
                    break
                }
            }
            if let value = Double(literal) { numbers.append(value) }
        }
        return numbers
    }

    /// Sentences of `text`, split after `.`, `!`, `?` and at line breaks; empty ones dropped.
    public static func sentences(_ text: String) -> [String] {
        var sentences: [String] = []
        var current = ""
        for character in text {
            if character.isNewline {
                sentences.append(current)
                current = ""
                continue
            }
            current.append(character)
            if character == "." || character == "!" || character == "?" {
                sentences.append(current)
                current = ""
            }
        }
        sentences.append(current)
        return sentences.map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    /// A number as a person would write it: no trailing `.0`, at most two decimals.
    public static func format(_ value: Double) -> String {
        if value == value.rounded(), abs(value) < 1e15 { return String(Int(value)) }
        var text = String(format: "%.2f", value)
        while text.hasSuffix("0") { text.removeLast() }
        if text.hasSuffix(".") { text.removeLast() }
        return text
    }

    /// `text` with its first letter upper-cased.
    public static func capitalizedFirst(_ text: String) -> String {
        guard let first = text.first else { return text }
        return first.uppercased() + text.dropFirst()
    }

    /// `items` joined as English: `"a"`, `"a and b"`, `"a, b and c"`.
    public static func englishList(_ items: [String]) -> String {
        switch items.count {
        case 0: return ""
        case 1: return items[0]
        default: return items.dropLast().joined(separator: ", ") + " and " + (items.last ?? "")
        }
    }

    /// The English word for 0...20, else the digits.
    public static func numberWord(_ value: Int) -> String {
        let words = [
            "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven",
            "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen", "twenty",
        ]
        return (0..<words.count).contains(value) ? words[value] : String(value)
    }

    /// Parses digits or an English number word (0...20).
    public static func parseCount(_ text: String) -> Int? {
        let trimmed = text.trimmingCharacters(in: .whitespaces).lowercased()
        if let value = Int(trimmed) { return value }
        return (0...20).first { numberWord($0) == trimmed }
    }
}

extension Character {
    /// True for the ASCII digits 0–9 only.
    var isASCIIDigit: Bool { isASCII && isNumber }
}
