/// Facts from the project's own tables: capitals, element symbols, legs of animals.
public struct FactsFamily: PromptFamily {
    public let name = "facts"

    public let templates = [
        PromptTemplate("What is the capital of {country}?"),
        PromptTemplate("Name the capital city of {country}."),
        PromptTemplate("Which city is the capital of {country}?"),
        PromptTemplate("What is the chemical symbol for {element}?"),
        PromptTemplate("Which element has the symbol {symbol}?"),
        PromptTemplate("How many legs does a {animal} have?"),
    ]

    public init() {}

    public func sampleSlots(using rng: inout SplitMix64) -> (template: Int, slots: [String: String]) {
        let template = rng.int(below: templates.count)
        switch template {
        case 0...2: return (template, ["country": rng.pick(FactTables.capitals).country])
        case 3: return (template, ["element": rng.pick(FactTables.elements).name])
        case 4: return (template, ["symbol": rng.pick(FactTables.elements).symbol])
        default: return (template, ["animal": rng.pick(FactTables.legs).animal])
        }
    }

    public func prompt(template: Int, slots: [String: String]) -> WorldPrompt? {
        guard templates.indices.contains(template) else { return nil }
        let text = templates[template].render(slots)
        switch template {
        case 0...2:
            let table = FactTables.capitals
            guard let country = slots["country"]?.trimmingWhitespace(),
                let index = table.firstIndex(where: { $0.country.lowercased() == country.lowercased() })
            else { return nil }
            let entry = table[index]
            let explanation = "The capital of \(entry.country) is \(entry.capital)."
            return WorldPrompt(
                text: text, family: name,
                expectation: .phrase(
                    entry.capital, caseSensitive: false, rivals: others(of: index, in: table.map(\.capital))),
                answers: Phrasing.shortAnswers(entry.capital, explanation: explanation),
                explanation: explanation,
                distractors: neighbours(of: index, in: table.map(\.capital)).map { "The capital is \($0)." },
                wordBudget: 12
            )
        case 3:
            let table = FactTables.elements
            guard let element = slots["element"]?.trimmingWhitespace(),
                let index = table.firstIndex(where: { $0.name == element.lowercased() })
            else { return nil }
            let entry = table[index]
            let explanation = "The symbol for \(entry.name) is \(entry.symbol)."
            return WorldPrompt(
                text: text, family: name,
                expectation: .phrase(
                    entry.symbol, caseSensitive: true, rivals: others(of: index, in: table.map(\.symbol))),
                answers: [entry.symbol, "It's \(entry.symbol).", explanation],
                explanation: explanation,
                distractors: neighbours(of: index, in: table.map(\.symbol)).map { "It's \($0)." },
                wordBudget: 12
            )
        case 4:
            let table = FactTables.elements
            guard let symbol = slots["symbol"]?.trimmingWhitespace(),
                let index = table.firstIndex(where: { $0.symbol == symbol })
            else { return nil }
            let entry = table[index]
            let explanation = "\(entry.symbol) is the symbol for \(entry.name)."
            return WorldPrompt(
                text: text, family: name,
                expectation: .phrase(
                    entry.name, caseSensitive: false, rivals: others(of: index, in: table.map(\.name))),
                answers: Phrasing.shortAnswers(TextTools.capitalizedFirst(entry.name), explanation: explanation),
                explanation: explanation,
                distractors: neighbours(of: index, in: table.map(\.name)).map { "That is \($0)." },
                wordBudget: 12
            )
        default:
            let table = FactTables.legs
            guard let animal = slots["animal"]?.trimmingWhitespace(),
                let index = table.firstIndex(where: { $0.animal == animal.lowercased() })
            else { return nil }
            let entry = table[index]
            let explanation = "A \(entry.animal) has \(entry.legs) legs."
            let wrong = [entry.legs + 2, entry.legs - 2, entry.legs * 2].filter { $0 > 0 && $0 != entry.legs }
            return WorldPrompt(
                text: text, family: name,
                expectation: .number(value: Double(entry.legs), allowed: []),
                answers: Phrasing.shortAnswers(String(entry.legs), explanation: explanation),
                explanation: explanation,
                distractors: wrong.map { "A \(entry.animal) has \($0) legs." },
                wordBudget: 12
            )
        }
    }

    /// Every entry but the one at `index`.
    private func others(of index: Int, in values: [String]) -> [String] {
        values.enumerated().filter { $0.offset != index }.map(\.element)
    }

    /// Two other entries near `index`, as plausible wrong answers.
    private func neighbours(of index: Int, in values: [String]) -> [String] {
        [values[(index + 1) % values.count], values[(index + values.count - 1) % values.count]]
    }
}
