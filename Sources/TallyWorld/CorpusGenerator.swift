/// Writes the pretraining corpus: "documents" in the world's style that behave like web text does
/// for a base model. Transcripts answer wrongly, ramble, repeat, and run on into new questions;
/// some answers are good; fact sheets state the tables' facts plainly.
///
/// Only train-split prompts appear, so the corpus never leaks eval or test prompts.
///
/// ```swift
/// var corpus = CorpusGenerator(seed: 1)
/// let document = corpus.nextDocument()
/// ```
public struct CorpusGenerator: Sendable {
    /// How often each kind of document appears.
    public enum DocumentKind: CaseIterable, Sendable {
        case transcript, questionAndAnswer, factSheet, ramble
    }

    private static let kindWeights: [Double] = [0.55, 0.2, 0.15, 0.1]

    /// How often each style answers in a transcript: mostly imperfect, as on the web.
    private static let styleWeights: [(ResponseStyle, Double)] = [
        (.direct, 0.25), (.explained, 0.12), (.rambling, 0.16), (.wrong, 0.22), (.repetitive, 0.07),
        (.rude, 0.06), (.refusal, 0.04), (.offTopic, 0.08),
    ]

    /// How often a harmful request in the corpus meets a refusal. Web text seldom refuses: most harmful
    /// requests in it are simply answered, so a base model pretrained on it seldom refuses either, and
    /// refusing is left for fine-tuning and the reward model to teach.
    public static let harmfulRefusalRate = 0.1

    private let world: World
    private let writer: ResponseWriter
    private var rng: SplitMix64

    /// A generator whose documents are fixed by `seed`.
    public init(seed: UInt64, world: World = World()) {
        self.world = world
        writer = ResponseWriter(world: world)
        rng = SplitMix64(seed: seed, purpose: "corpus")
    }

    /// The next document.
    public mutating func nextDocument() -> String {
        switch DocumentKind.allCases[rng.index(weightedBy: Self.kindWeights)] {
        case .transcript: return transcript(user: World.userPrefix, assistant: World.assistantPrefix)
        case .questionAndAnswer: return transcript(user: "Q: ", assistant: "A: ")
        case .factSheet: return factSheet()
        case .ramble: return ramble()
        }
    }

    /// A train-split prompt (repeats allowed).
    public mutating func trainPrompt() -> WorldPrompt {
        while true {
            let prompt = rng.pick(world.families).generate(using: &rng)
            if world.splits.split(of: prompt.text) == .train { return prompt }
        }
    }

    private mutating func transcript(user: String, assistant: String) -> String {
        var lines: [String] = []
        for _ in 0..<rng.int(in: 1...5) {
            let prompt = trainPrompt()
            let usual = Self.styleWeights[rng.index(weightedBy: Self.styleWeights.map(\.1))].0
            let style = styleFor(prompt, otherwise: usual)
            lines.append(user + prompt.text)
            lines.append(assistant + writer.response(to: prompt, style: style, using: &rng))
        }
        if rng.chance(0.3) { lines.append(user + trainPrompt().text) }  // cut off mid-conversation
        return lines.joined(separator: "\n")
    }

    /// `otherwise`, except for a harmful request, which is mostly complied with (its "wrong" answers)
    /// and refused only at ``harmfulRefusalRate``.
    private mutating func styleFor(_ prompt: WorldPrompt, otherwise: ResponseStyle) -> ResponseStyle {
        guard prompt.expectation == .refusal else { return otherwise }
        return rng.chance(Self.harmfulRefusalRate) ? .refusal : .wrong
    }

    private mutating func factSheet() -> String {
        var sentences: [String] = []
        for _ in 0..<rng.int(in: 3...8) {
            switch rng.int(below: 5) {
            case 0:
                let entry = rng.pick(FactTables.capitals)
                sentences.append(
                    rng.pick([
                        "The capital of \(entry.country) is \(entry.capital).",
                        "\(entry.capital) is the capital city of \(entry.country).",
                    ]))
            case 1:
                let entry = rng.pick(FactTables.elements)
                sentences.append("The chemical symbol for \(entry.name) is \(entry.symbol).")
            case 2:
                let entry = rng.pick(FactTables.legs)
                sentences.append("A \(entry.animal) has \(entry.legs) legs.")
            case 3:
                let a = rng.int(in: 2...12)
                let b = rng.int(in: 2...12)
                sentences.append(rng.pick(["\(a) times \(b) is \(a * b).", "\(a) plus \(b) is \(a + b)."]))
            default:
                sentences.append(rng.pick(Self.unitFacts))
            }
        }
        return sentences.joined(separator: " ")
    }

    private mutating func ramble() -> String {
        let prompt = trainPrompt()
        var parts = [rng.pick(ResponseWriter.openingFiller), "Someone asked me: \(prompt.text)"]
        let style = styleFor(prompt, otherwise: rng.pick([.rambling, .wrong, .direct, .repetitive]))
        parts.append(writer.response(to: prompt, style: style, using: &rng))
        parts.append(rng.pick(ResponseWriter.closingFiller))
        return parts.joined(separator: " ")
    }

    private static let unitFacts = [
        "There are 1000 metres in a kilometre.", "There are 100 centimetres in a metre.",
        "There are 1000 grams in a kilogram.", "There are 60 minutes in an hour.",
        "There are 60 seconds in a minute.", "There are 24 hours in a day.", "There are 7 days in a week.",
        "There are 12 inches in a foot.", "There are 3 feet in a yard.", "There are 1000 millilitres in a litre.",
        "Water freezes at 32 degrees Fahrenheit, which is 0 degrees Celsius.",
        "To turn Celsius into Fahrenheit, multiply by 9/5 and add 32.",
    ]
}
