/// A prompt pattern with named slots, such as `"What is {a} plus {b}?"`.
///
/// One template both writes prompts (``render(_:)``) and reads them back (``match(_:)``), so the
/// oracle can judge a prompt that arrives as bare text (from the store, an import, the arena).
public struct PromptTemplate: Sendable, Hashable {
    enum Part: Sendable, Hashable {
        case literal(String)
        case slot(String)
    }

    /// The pattern as written, slots in braces.
    public let pattern: String
    let parts: [Part]

    /// Parses `pattern`; a slot is a name in braces. Two slots must be separated by literal text.
    public init(_ pattern: String) {
        self.pattern = pattern
        var parts: [Part] = []
        var literal = ""
        var slot: String?
        for character in pattern {
            if character == "{" {
                if !literal.isEmpty { parts.append(.literal(literal)) }
                literal = ""
                slot = ""
            } else if character == "}", let name = slot {
                parts.append(.slot(name))
                slot = nil
            } else if slot != nil {
                slot?.append(character)
            } else {
                literal.append(character)
            }
        }
        if !literal.isEmpty { parts.append(.literal(literal)) }
        self.parts = parts
    }

    /// The prompt with each slot replaced by its value.
    public func render(_ values: [String: String]) -> String {
        parts.map { part in
            switch part {
            case .literal(let text): return text
            case .slot(let name): return values[name] ?? ""
            }
        }.joined()
    }

    /// The normalised words of the literal text: the template's own vocabulary.
    public var literalWords: [String] {
        parts.flatMap { part -> [String] in
            if case .literal(let text) = part { return TextTools.normalizedWords(text) }
            return []
        }
    }

    /// The slot values if `text` has this template's shape (letter case, surrounding spaces, and a
    /// missing final `.`, `?` or `!` are forgiven); nil otherwise.
    public func match(_ text: String) -> [String: String]? {
        let subject = Array(Self.trimmedEnding(text))
        let shape = parts.enumerated().map { index, part -> Part in
            guard index == parts.count - 1, case .literal(let text) = part else { return part }
            return .literal(String(Self.trimmedEnding(text)))
        }.filter { if case .literal(let text) = $0 { return !text.isEmpty } else { return true } }
        var values: [String: String] = [:]
        return Self.match(shape, 0, subject, 0, &values) ? values : nil
    }

    private static func trimmedEnding(_ text: String) -> Substring {
        var result = Substring(text.trimmingWhitespace())
        while let last = result.last, last == "." || last == "?" || last == "!" || last.isWhitespace {
            result.removeLast()
        }
        return result
    }

    private static func match(
        _ parts: [Part], _ partIndex: Int, _ subject: [Character], _ position: Int, _ values: inout [String: String]
    ) -> Bool {
        guard partIndex < parts.count else { return position == subject.count }
        switch parts[partIndex] {
        case .literal(let text):
            let literal = Array(text)
            guard position + literal.count <= subject.count else { return false }
            for offset in 0..<literal.count where !sameLetter(literal[offset], subject[position + offset]) {
                return false
            }
            return match(parts, partIndex + 1, subject, position + literal.count, &values)
        case .slot(let name):
            guard position < subject.count else { return false }
            for end in (position + 1)...subject.count {
                values[name] = String(subject[position..<end])
                if match(parts, partIndex + 1, subject, end, &values) { return true }
            }
            values[name] = nil
            return false
        }
    }

    private static func sameLetter(_ a: Character, _ b: Character) -> Bool {
        a == b || a.lowercased() == b.lowercased()
    }
}

extension String {
    /// The string without any trailing characters from `characters`.
    func trimmingSuffix(_ characters: String) -> Substring {
        var result = Substring(self)
        while let last = result.last, characters.contains(last) { result.removeLast() }
        return result
    }

    /// The string without leading and trailing whitespace or newlines.
    func trimmingWhitespace() -> String {
        var result = Substring(self)
        while let first = result.first, first.isWhitespace { result.removeFirst() }
        while let last = result.last, last.isWhitespace { result.removeLast() }
        return String(result)
    }
}
