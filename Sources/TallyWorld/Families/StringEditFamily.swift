/// String edits: reverse a word, upper-case it, sort its letters, sort a list of words.
public struct StringEditFamily: PromptFamily {
    private enum Edit {
        case reverse, uppercase, sortLetters, sortWords
    }

    public let name = "string-edit"

    public let templates = [
        PromptTemplate("Reverse the word {word}."),
        PromptTemplate("Spell {word} backwards."),
        PromptTemplate("Write {word} in uppercase."),
        PromptTemplate("Write the word {word} in capital letters."),
        PromptTemplate("Sort the letters of {word} alphabetically."),
        PromptTemplate("Sort these words alphabetically: {words}."),
    ]

    public init() {}

    public func sampleSlots(using rng: inout SplitMix64) -> (template: Int, slots: [String: String]) {
        let template = rng.int(below: templates.count)
        if edit(of: template) == .sortWords {
            let words = rng.sample(rng.int(in: 3...5), below: Vocabulary.nouns.count).map { Vocabulary.nouns[$0] }
            return (template, ["words": words.joined(separator: ", ")])
        }
        return (template, ["word": rng.pick(Vocabulary.nouns)])
    }

    public func prompt(template: Int, slots: [String: String]) -> WorldPrompt? {
        guard templates.indices.contains(template) else { return nil }
        let kind = edit(of: template)
        if kind == .sortWords {
            guard let list = slots["words"] else { return nil }
            let words = list.split(separator: ",").map { String($0).trimmingWhitespace().lowercased() }
            guard words.count >= 2, words.count <= 12, Set(words).count == words.count,
                words.allSatisfy({ !$0.isEmpty && $0.allSatisfy { $0.isLetter && $0.isASCII } })
            else { return nil }
            let sorted = words.sorted()
            let answer = sorted.joined(separator: ", ")
            var shuffled = sorted
            shuffled.swapAt(0, 1)
            return WorldPrompt(
                text: templates[template].render(slots),
                family: name,
                expectation: .wordList(sorted, universe: words),
                answers: [answer, "In alphabetical order: \(answer).", "Sorted: \(answer)."],
                explanation: nil,
                distractors: [shuffled.joined(separator: ", "), sorted.reversed().joined(separator: ", ")],
                wordBudget: 6 + words.count
            )
        }
        guard let word = slots["word"]?.trimmingWhitespace().lowercased(), word.count >= 2, word.count <= 30,
            word.allSatisfy({ $0.isLetter && $0.isASCII })
        else { return nil }
        let answer: String
        let explanation: String
        var distractors: [String]
        switch kind {
        case .reverse:
            answer = String(word.reversed())
            explanation = "Read from the last letter to the first, \(word) is \(answer)."
            var swapped = Array(answer)
            swapped.swapAt(0, 1)
            distractors = [String(swapped), String(answer.dropLast()), word]
        case .uppercase:
            answer = word.uppercased()
            explanation = "In capital letters, \(word) is \(answer)."
            distractors = [TextTools.capitalizedFirst(word), String(answer.dropLast()) + word.suffix(1)]
        case .sortLetters:
            answer = String(word.sorted())
            explanation = "Putting the letters of \(word) in alphabetical order gives \(answer)."
            distractors = [String(answer.reversed()), word, String(answer.dropFirst())]
        case .sortWords:
            return nil
        }
        distractors = distractors.filter { kind == .uppercase ? $0 != answer : $0.lowercased() != answer.lowercased() }
        let answerIsCaseSensitive = kind == .uppercase
        return WorldPrompt(
            text: templates[template].render(slots),
            family: name,
            expectation: .phrase(answer, caseSensitive: answerIsCaseSensitive, rivals: []),
            answers: Phrasing.shortAnswers(answer, explanation: explanation),
            explanation: explanation,
            distractors: distractors.map { "It's \($0)." },
            wordBudget: 16
        )
    }

    private func edit(of template: Int) -> Edit {
        switch template {
        case 0, 1: return .reverse
        case 2, 3: return .uppercase
        case 4: return .sortLetters
        default: return .sortWords
        }
    }
}
