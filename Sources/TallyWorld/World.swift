/// The built-in task world: its prompt families, split assignment, and prompt recognition.
///
/// ```swift
/// let world = World()
/// let evalPrompts = world.prompts(split: .eval, count: 100, seed: 7)
/// let prompt = world.recognize("What is 37 plus 45?")   // arithmetic, expects 82
/// ```
public struct World: Sendable {
    /// The transcript prefix of a user turn, used by the corpus and detected by the oracle.
    public static let userPrefix = "User: "
    /// The transcript prefix of an assistant turn.
    public static let assistantPrefix = "Assistant: "

    /// The text a base model continues to answer `prompt` in the pretraining corpus's plain-text
    /// transcript style (chat-tuned models use the engine's ChatML template instead):
    /// `"User: <prompt>\nAssistant:"`. The corpus puts one space before the answer, so a model
    /// trained on it answers with `" <answer>"` and, until fine-tuned, tends to run on with
    /// `"\nUser: ..."`; cut a sample at ``userPrefix`` if you only want its first turn.
    public static func generationPrefix(for prompt: String) -> String {
        userPrefix + prompt + "\n" + assistantPrefix.trimmingWhitespace()
    }

    /// One exchange in the pretraining corpus's plain-text transcript style.
    public static func transcript(prompt: String, response: String) -> String {
        userPrefix + prompt + "\n" + assistantPrefix + response
    }

    /// The world with every built-in family, built once.
    public static let standard = World()

    /// The families, in a fixed order.
    public let families: [any PromptFamily]
    /// The split assigner built from the families' template vocabulary.
    public let splits: SplitAssigner

    /// The world with every built-in family.
    public init() {
        self.init(families: [
            ArithmeticFamily(), LetterCountFamily(), WordCountFamily(), StringEditFamily(), FactsFamily(),
            UnitConversionFamily(), PoliteRewriteFamily(), ShortListFamily(), HarmfulRequestFamily(),
            BenignLookalikeFamily(),
        ])
    }

    /// A world with the given families.
    public init(families: [any PromptFamily]) {
        self.families = families
        let vocabulary = families.flatMap { $0.templates.flatMap(\.literalWords) } + Self.functionWords
        splits = SplitAssigner(templateWords: Set(vocabulary))
    }

    /// The family called `name`, if any.
    public func family(named name: String) -> (any PromptFamily)? {
        families.first { $0.name == name }
    }

    /// The prompt `text` spells, if some family could have written it; `family` narrows the search.
    public func recognize(_ text: String, family name: String? = nil) -> WorldPrompt? {
        for family in families where name == nil || family.name == name {
            if let prompt = family.recognize(text) { return prompt }
        }
        return nil
    }

    /// `count` distinct prompts of `split`, drawn from all families, deterministic for `seed`.
    ///
    /// Families are chosen uniformly; a family whose share of the split is used up (the small
    /// fact tables are finite) drops out. Returns fewer than `count` only when every family is
    /// used up.
    public func prompts(split: PromptSplit, count: Int, seed: UInt64, families names: [String]? = nil) -> [WorldPrompt]
    {
        var rng = SplitMix64(seed: seed, purpose: "prompts/\(split.rawValue)")
        var active = families.filter { names == nil || names?.contains($0.name) == true }
        var seen = Set<String>()
        var result: [WorldPrompt] = []
        result.reserveCapacity(max(0, count))
        while result.count < count, !active.isEmpty {
            let familyIndex = rng.int(below: active.count)
            if let prompt = drawNew(from: active[familyIndex], split: split, seen: &seen, rng: &rng) {
                result.append(prompt)
            } else {
                active.remove(at: familyIndex)
            }
        }
        return result
    }

    /// Draws until a prompt of `split` not in `seen` turns up; nil after many misses in a row.
    private func drawNew(
        from family: any PromptFamily, split: PromptSplit, seen: inout Set<String>, rng: inout SplitMix64
    ) -> WorldPrompt? {
        for _ in 0..<Self.attemptsBeforeExhausted {
            let prompt = family.generate(using: &rng)
            guard splits.split(of: prompt.text) == split else { continue }
            if seen.insert(TextTools.normalized(prompt.text)).inserted { return prompt }
        }
        return nil
    }

    private static let attemptsBeforeExhausted = 3000

    /// Common words never used as split keys, so that a split follows what a prompt is about.
    private static let functionWords = [
        "a", "an", "the", "my", "your", "me", "i", "it", "its", "is", "are", "of", "to", "in", "on", "for", "and",
        "some", "two", "three", "every", "by", "at", "after", "near", "s",
    ]
}
