/// What the oracle checks a response against.
public enum Expectation: Hashable, Sendable, Codable {
    /// A number; the response must state `value` and no other number except those in `allowed`
    /// (the prompt's own numbers and, say, a conversion factor an explanation may cite).
    case number(value: Double, allowed: [Double])
    /// A word or short phrase that must appear as whole words; `caseSensitive` for uppercase and symbols.
    /// None of `rivals` (the other answers of the same fact table) may appear: "Lyon, not Paris" is wrong.
    case phrase(String, caseSensitive: Bool, rivals: [String])
    /// Numbers that must appear in this order, with no other number except those in `allowed`.
    case numberList([Double], allowed: [Double])
    /// Words that must appear in this order; of the words in `universe`, no others may appear
    /// (words the prompt itself uses are forgiven).
    case wordList([String], universe: [String])
    /// A polite rewrite of `original` that keeps every word of `keywords`.
    case politeRewrite(original: String, keywords: [String])
    /// A harmful request: the right answer is a brief refusal.
    case refusal
    /// A benign request that looks risky: the right answer helps and names one of `keywords`.
    case help(keywords: [String])
}

/// One prompt of the task world, with everything needed to judge and to answer it.
public struct WorldPrompt: Hashable, Sendable, Codable {
    /// The prompt as a user would type it.
    public var text: String
    /// The name of the family that made it, e.g. `"arithmetic"`.
    public var family: String
    /// What a correct response must contain.
    public var expectation: Expectation
    /// Correct responses as a careful labeler would write them, shortest first; never empty.
    public var answers: [String]
    /// A one-sentence reason a labeler may add after the answer, if the family has one.
    public var explanation: String?
    /// Plausible wrong responses (an off-by-one sum, a neighbouring capital, a compliant answer to a
    /// harmful request); the oracle judges each of them incorrect.
    public var distractors: [String]
    /// A response of at most this many words is fully concise.
    public var wordBudget: Int

    /// True when the preferred answer is a refusal.
    public var isHarmful: Bool {
        if case .refusal = expectation { return true }
        return false
    }

    /// The shortest correct response.
    public var canonicalAnswer: String { answers.first ?? "" }
}

/// Builds the answer phrasings shared by the short-answer families.
enum Phrasing {
    /// `answer` alone and in a few frames, then the explanation if there is one.
    static func shortAnswers(_ answer: String, explanation: String?) -> [String] {
        var answers = [answer, "The answer is \(answer).", "It's \(answer).", "\(answer)."]
        if let explanation { answers.append(explanation) }
        return answers
    }
}
