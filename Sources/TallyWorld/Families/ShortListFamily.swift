/// Short list answers: primes, multiples, squares, countdowns, days of the week.
public struct ShortListFamily: PromptFamily {
    static let days = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]

    public let name = "short-list"

    public let templates = [
        PromptTemplate("List the first {count} prime numbers."),
        PromptTemplate("List the first {count} positive even numbers."),
        PromptTemplate("List the first {count} multiples of {step}."),
        PromptTemplate("List the first {count} positive square numbers."),
        PromptTemplate("Count down from {start} to {end}."),
        PromptTemplate("Name the {count} days that come after {day}."),
    ]

    public init() {}

    public func sampleSlots(using rng: inout SplitMix64) -> (template: Int, slots: [String: String]) {
        let template = rng.int(below: templates.count)
        let count = TextTools.numberWord(rng.int(in: 3...7))
        switch template {
        case 2: return (template, ["count": count, "step": String(rng.int(in: 3...15))])
        case 4:
            let start = rng.int(in: 5...30)
            return (template, ["start": String(start), "end": String(start - rng.int(in: 3...7))])
        case 5: return (template, ["count": TextTools.numberWord(rng.int(in: 2...4)), "day": rng.pick(Self.days)])
        default: return (template, ["count": count])
        }
    }

    public func prompt(template: Int, slots: [String: String]) -> WorldPrompt? {
        guard templates.indices.contains(template) else { return nil }
        let text = templates[template].render(slots)
        if template == 5 {
            guard let count = slots["count"].flatMap(TextTools.parseCount), (1...6).contains(count),
                let day = slots["day"]?.trimmingWhitespace(),
                let start = Self.days.firstIndex(where: { $0.lowercased() == day.lowercased() })
            else { return nil }
            let items = (1...count).map { Self.days[(start + $0) % 7] }
            let shifted = (2...(count + 1)).map { Self.days[(start + $0) % 7] }
            return WorldPrompt(
                text: text, family: name,
                expectation: .wordList(items, universe: Self.days),
                answers: [items.joined(separator: ", "), TextTools.englishList(items) + "."],
                explanation: nil,
                distractors: [shifted.joined(separator: ", "), items.dropLast().joined(separator: ", ")],
                wordBudget: 14
            )
        }
        let items: [Int]
        var allowed: [Double] = []
        if template == 4 {
            guard let start = slots["start"].flatMap({ Int($0.trimmingWhitespace()) }),
                let end = slots["end"].flatMap({ Int($0.trimmingWhitespace()) }), start > end, start - end <= 20
            else { return nil }
            items = Array(stride(from: start, through: end, by: -1))
        } else {
            guard let count = slots["count"].flatMap(TextTools.parseCount), (1...12).contains(count) else { return nil }
            allowed.append(Double(count))
            switch template {
            case 0: items = Array(Self.primes.prefix(count))
            case 1: items = (1...count).map { 2 * $0 }
            case 2:
                guard let step = slots["step"].flatMap({ Int($0.trimmingWhitespace()) }), (1...1000).contains(step)
                else { return nil }
                allowed.append(Double(step))
                items = (1...count).map { step * $0 }
            default: items = (1...count).map { $0 * $0 }
            }
        }
        let written = items.map(String.init)
        var wrongOrder = items
        wrongOrder.swapAt(0, items.count - 1)
        return WorldPrompt(
            text: text, family: name,
            expectation: .numberList(items.map(Double.init), allowed: allowed),
            answers: [written.joined(separator: ", "), TextTools.englishList(written) + "."],
            explanation: nil,
            distractors: [
                written.dropLast().joined(separator: ", "),
                wrongOrder.map(String.init).joined(separator: ", "),
                (items.dropLast() + [(items.last ?? 0) + 1]).map(String.init).joined(separator: ", "),
            ],
            wordBudget: 8 + items.count
        )
    }

    private static let primes = [2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37]
}
