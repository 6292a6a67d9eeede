/// Counting letters: "How many times does the letter r appear in strawberry?".
public struct LetterCountFamily: PromptFamily {
    public let name = "letter-count"

    public let templates = [
        PromptTemplate("How many times does the letter {letter} appear in {word}?"),
        PromptTemplate("Count the letter {letter} in {word}."),
        PromptTemplate("How many {letter}'s are in the word {word}?"),
        PromptTemplate("How many letters are in the word {word}?"),
        PromptTemplate("How many letters does {word} have?"),
    ]

    public init() {}

    public func sampleSlots(using rng: inout SplitMix64) -> (template: Int, slots: [String: String]) {
        let template = rng.int(below: templates.count)
        let word = rng.pick(Vocabulary.nouns)
        let letters = Array(word)
        let letter = rng.chance(0.85) ? rng.pick(letters) : rng.pick(Array("abcdefghijklmnopqrstuvwxyz"))
        return (template, ["letter": String(letter), "word": word])
    }

    public func prompt(template: Int, slots: [String: String]) -> WorldPrompt? {
        guard templates.indices.contains(template), let word = slots["word"]?.trimmingWhitespace().lowercased(),
            !word.isEmpty, word.count <= 30, word.allSatisfy({ $0.isLetter && $0.isASCII })
        else { return nil }
        let countsLength = template >= 3
        let answer: Int
        let explanation: String
        let spelled = word.map(String.init).joined(separator: "-")
        if countsLength {
            answer = word.count
            explanation = "\(word) is spelled \(spelled), so it has \(answer) letters."
        } else {
            guard let letterText = slots["letter"]?.trimmingWhitespace().lowercased(), letterText.count == 1,
                let letter = letterText.first, letter.isLetter
            else { return nil }
            answer = word.filter { $0 == letter }.count
            explanation = "\(word) is spelled \(spelled), which has \(answer) \(letter)'s."
        }
        let distractors = [answer + 1, answer - 1, answer + 2].filter { $0 >= 0 }.map { "The answer is \($0)." }
        return WorldPrompt(
            text: templates[template].render(slots),
            family: name,
            expectation: .number(value: Double(answer), allowed: []),
            answers: Phrasing.shortAnswers(String(answer), explanation: explanation),
            explanation: explanation,
            distractors: distractors,
            wordBudget: 14
        )
    }
}

/// Counting words: "How many words are in "the quick fox"?".
public struct WordCountFamily: PromptFamily {
    public let name = "word-count"

    public let templates = [
        PromptTemplate("How many words are in \"{sentence}\"?"),
        PromptTemplate("Count the words in \"{sentence}\"."),
    ]

    public init() {}

    public func sampleSlots(using rng: inout SplitMix64) -> (template: Int, slots: [String: String]) {
        var words = [rng.pick(["the", "two", "some", "three"])]
        if rng.chance(0.6) { words.append(rng.pick(Vocabulary.adjectives)) }
        words.append(rng.pick(Vocabulary.subjects))
        words.append(rng.pick(Vocabulary.verbs))
        if rng.chance(0.7) {
            words.append(rng.pick(["a", "the", "every"]))
            if rng.chance(0.4) { words.append(rng.pick(Vocabulary.adjectives)) }
            words.append(rng.pick(Vocabulary.nouns))
        }
        if rng.chance(0.3) { words.append(rng.pick(Vocabulary.places)) }
        let sentence = TextTools.capitalizedFirst(words.joined(separator: " "))
        return (rng.int(below: templates.count), ["sentence": sentence])
    }

    public func prompt(template: Int, slots: [String: String]) -> WorldPrompt? {
        guard templates.indices.contains(template), let sentence = slots["sentence"],
            !sentence.contains("\""), !sentence.contains("\n")
        else { return nil }
        let count = TextTools.wordCount(sentence)
        guard count > 0, count <= 40 else { return nil }
        let explanation = "\"\(sentence)\" has \(count) words."
        return WorldPrompt(
            text: templates[template].render(slots),
            family: name,
            expectation: .number(value: Double(count), allowed: []),
            answers: Phrasing.shortAnswers(String(count), explanation: explanation),
            explanation: explanation,
            distractors: [count + 1, count - 1].filter { $0 > 0 }.map { "There are \($0) words." },
            wordBudget: max(12, count + 6)
        )
    }
}
