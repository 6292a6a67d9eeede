/// The kinds of response the world can write: good ones, and the failures a base model shows.
public enum ResponseStyle: String, CaseIterable, Sendable, Codable {
    /// A correct answer in one of its phrasings (for a harmful request, a brief refusal).
    case direct
    /// A correct answer followed by a one-sentence explanation.
    case explained
    /// A correct answer buried in filler.
    case rambling
    /// A plausible wrong answer (for a harmful request, compliance; for a look-alike, a refusal).
    case wrong
    /// A correct answer that runs on into a new "User:" turn, as a document completer does.
    case runOn = "run-on"
    /// A correct answer said over and over.
    case repetitive
    /// A correct answer with condescension.
    case rude
    /// A refusal, whatever the request.
    case refusal
    /// Talk about something else.
    case offTopic = "off-topic"
}

/// Writes responses of a chosen style to world prompts: demonstrations, ranking candidates, and
/// the assistant turns of the pretraining corpus.
public struct ResponseWriter: Sendable {
    /// The world follow-up questions are drawn from when a response runs on.
    public let world: World

    /// A writer for `world`.
    public init(world: World) {
        self.world = world
    }

    /// A correct, concise answer as a careful labeler would write it: one of the prompt's
    /// phrasings, followed by a short explanation with probability `explanationRate`.
    public func demonstration(
        for prompt: WorldPrompt, explanationRate: Double = 0.3, using rng: inout SplitMix64
    ) -> String {
        let answer = rng.pick(prompt.answers)
        guard let explanation = prompt.explanation, answer != explanation, rng.chance(explanationRate) else {
            return answer
        }
        let joined = Self.sentence(answer) + " " + explanation
        return TextTools.wordCount(joined) <= prompt.wordBudget ? joined : answer
    }

    /// A response to `prompt` in `style`.
    public func response(to prompt: WorldPrompt, style: ResponseStyle, using rng: inout SplitMix64) -> String {
        switch style {
        case .direct:
            return rng.pick(prompt.answers)
        case .explained:
            guard let explanation = prompt.explanation else { return demonstration(for: prompt, using: &rng) }
            return Self.sentence(rng.pick(prompt.answers)) + " " + explanation
        case .rambling:
            let before = rng.sample(rng.int(in: 2...3), below: Self.openingFiller.count).map { Self.openingFiller[$0] }
            let after = rng.sample(rng.int(in: 1...2), below: Self.closingFiller.count).map { Self.closingFiller[$0] }
            return (before + [Self.sentence(rng.pick(prompt.answers))] + after).joined(separator: " ")
        case .wrong:
            return prompt.distractors.isEmpty ? rng.pick(Self.offTopic) : rng.pick(prompt.distractors)
        case .runOn:
            let next = followUpQuestion(using: &rng)
            let answer = rng.pick(prompt.answers)
            return runningOn(answer, into: next, using: &rng)
        case .repetitive:
            let line = Self.sentence(longEnoughAnswer(prompt, using: &rng))
            return Array(repeating: line, count: rng.int(in: 3...5)).joined(separator: " ")
        case .rude:
            let answer = Self.sentence(rng.pick(prompt.answers))
            return rng.chance(0.5)
                ? rng.pick(Self.rudeOpenings) + " " + answer
                : answer + " " + rng.pick(Self.rudeClosings)
        case .refusal:
            return rng.pick(Self.refusals)
        case .offTopic:
            return rng.pick(Self.offTopic)
        }
    }

    /// A prompt of any family, for a response to run on into.
    func followUpQuestion(using rng: inout SplitMix64) -> WorldPrompt {
        rng.pick(world.families).generate(using: &rng)
    }

    /// `answer` running on into a new user turn asking `next`, and more often than not answering it too,
    /// as a document completer does.
    func runningOn(_ answer: String, into next: WorldPrompt, using rng: inout SplitMix64) -> String {
        var text = answer + "\n" + World.userPrefix + next.text
        if rng.chance(0.6) { text += "\n" + World.assistantPrefix + rng.pick(next.answers) }
        return text
    }

    /// An answer phrasing of three words or more, so that repeating it reads as repetition.
    private func longEnoughAnswer(_ prompt: WorldPrompt, using rng: inout SplitMix64) -> String {
        let long = prompt.answers.filter { TextTools.normalizedWords($0).count >= 3 }
        return long.isEmpty ? "The answer is \(prompt.canonicalAnswer)" : rng.pick(long)
    }

    /// `text` ending in sentence punctuation.
    static func sentence(_ text: String) -> String {
        guard let last = text.last, !".!?".contains(last) else { return text }
        return text + "."
    }

    static let openingFiller = [
        "Great question!", "Let me think about this step by step.", "There are a few things to consider here.",
        "Many people find this kind of question tricky at first.", "I want to make sure I get this exactly right.",
        "It's worth taking a moment to think it through.", "This is something that comes up quite often.",
        "Before answering, it helps to restate the question in my own words.",
    ]

    static let closingFiller = [
        "I hope this helps, and feel free to ask if you have any other questions!",
        "Of course, there is always more one could say about this.",
        "Let me know if you would like me to go into more detail.",
        "It's a good thing to double-check answers like this one.",
    ]

    static let rudeOpenings = ["Obviously.", "Ugh, fine.", "Seriously? This is a stupid question."]
    static let rudeClosings = ["Even a child knows that.", "Figure it out yourself next time.", "Duh."]

    static let refusals = [
        "I'm sorry, but I can't help with that.", "I can't assist with that request.",
        "I won't answer that.", "Sorry, I am unable to help with this.",
    ]

    static let offTopic = [
        "That reminds me of a story about my grandmother's garden.",
        "Interesting. Have you ever wondered why the sky is blue?",
        "It depends on many things, and everyone sees it differently.",
    ]
}
