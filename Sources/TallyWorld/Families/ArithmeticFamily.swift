/// Sums, differences and products of whole numbers: "What is 37 plus 45?".
public struct ArithmeticFamily: PromptFamily {
    private enum Operation: CaseIterable {
        case plus, minus, times
    }

    public let name = "arithmetic"

    public let templates = [
        PromptTemplate("What is {a} plus {b}?"),
        PromptTemplate("Add {a} and {b}."),
        PromptTemplate("Compute {a} + {b}."),
        PromptTemplate("What is {a} minus {b}?"),
        PromptTemplate("Subtract {b} from {a}."),
        PromptTemplate("Compute {a} - {b}."),
        PromptTemplate("What is {a} times {b}?"),
        PromptTemplate("Multiply {a} by {b}."),
        PromptTemplate("Compute {a} * {b}."),
    ]

    public init() {}

    public func sampleSlots(using rng: inout SplitMix64) -> (template: Int, slots: [String: String]) {
        let template = rng.int(below: templates.count)
        var a: Int
        var b: Int
        switch operation(of: template) {
        case .plus:
            let upper = rng.chance(0.2) ? 999 : 99
            a = rng.int(in: 2...upper)
            b = rng.int(in: 2...upper)
        case .minus:
            let upper = rng.chance(0.2) ? 999 : 99
            a = rng.int(in: 2...upper)
            b = rng.int(in: 1...upper)
            if b > a { swap(&a, &b) }
        case .times:
            a = rng.int(in: 2...rng.pick([12, 12, 25]))
            b = rng.int(in: 2...rng.pick([12, 30]))
        }
        return (template, ["a": String(a), "b": String(b)])
    }

    public func prompt(template: Int, slots: [String: String]) -> WorldPrompt? {
        guard templates.indices.contains(template),
            let aText = slots["a"], let bText = slots["b"],
            let a = Int(aText.trimmingWhitespace()), let b = Int(bText.trimmingWhitespace()),
            a >= 0, b >= 0, a <= 100_000, b <= 100_000
        else { return nil }
        let result: Int
        let symbol: String
        let word: String
        switch operation(of: template) {
        case .plus: (result, symbol, word) = (a + b, "+", "plus")
        case .minus: (result, symbol, word) = (a - b, "-", "minus")
        case .times: (result, symbol, word) = (a * b, "×", "times")
        }
        let answer = String(result)
        let explanation = "\(a) \(symbol) \(b) = \(result)."
        let distractors = [result + 1, result - 1, result + 10, result - 10]
            .filter { $0 != result && $0 != a && $0 != b }
            .prefix(3)
            .map { [String($0), "The answer is \($0).", "\(a) \(word) \(b) is \($0)."][abs($0) % 3] }
        return WorldPrompt(
            text: templates[template].render(slots),
            family: name,
            expectation: .number(value: Double(result), allowed: [Double(a), Double(b)]),
            answers: Phrasing.shortAnswers(answer, explanation: explanation),
            explanation: explanation,
            distractors: Array(distractors),
            wordBudget: 12
        )
    }

    private func operation(of template: Int) -> Operation {
        switch template {
        case 0...2: return .plus
        case 3...5: return .minus
        default: return .times
        }
    }
}
