/// Unit conversions with whole-number answers: "Convert 5 kilometres to metres.".
public struct UnitConversionFamily: PromptFamily {
    /// One larger unit, one smaller unit, and how many of the smaller make one larger.
    private struct Conversion {
        let larger: String
        let smaller: String
        let factor: Int
    }

    private static let conversions = [
        Conversion(larger: "kilometres", smaller: "metres", factor: 1000),
        Conversion(larger: "metres", smaller: "centimetres", factor: 100),
        Conversion(larger: "kilograms", smaller: "grams", factor: 1000),
        Conversion(larger: "hours", smaller: "minutes", factor: 60),
        Conversion(larger: "minutes", smaller: "seconds", factor: 60),
        Conversion(larger: "days", smaller: "hours", factor: 24),
        Conversion(larger: "weeks", smaller: "days", factor: 7),
        Conversion(larger: "feet", smaller: "inches", factor: 12),
        Conversion(larger: "yards", smaller: "feet", factor: 3),
        Conversion(larger: "litres", smaller: "millilitres", factor: 1000),
        Conversion(larger: "centimetres", smaller: "millimetres", factor: 10),
    ]

    public let name = "unit-conversion"

    public let templates = [
        PromptTemplate("Convert {amount} {from} to {to}."),
        PromptTemplate("How many {to} are in {amount} {from}?"),
        PromptTemplate("Convert {amount} degrees Celsius to Fahrenheit."),
    ]

    public init() {}

    public func sampleSlots(using rng: inout SplitMix64) -> (template: Int, slots: [String: String]) {
        if rng.chance(0.15) {
            return (2, ["amount": String(5 * rng.int(in: -4...20))])
        }
        let conversion = rng.pick(Self.conversions)
        let template = rng.int(below: 2)
        if rng.chance(0.7) {
            let amount = rng.int(in: 2...(conversion.factor >= 1000 ? 20 : 50))
            return (template, ["amount": String(amount), "from": conversion.larger, "to": conversion.smaller])
        }
        let amount = conversion.factor * rng.int(in: 2...12)
        return (template, ["amount": String(amount), "from": conversion.smaller, "to": conversion.larger])
    }

    public func prompt(template: Int, slots: [String: String]) -> WorldPrompt? {
        guard templates.indices.contains(template), let amountText = slots["amount"],
            let amount = Int(amountText.trimmingWhitespace()), abs(amount) <= 1_000_000
        else { return nil }
        let text = templates[template].render(slots)
        if template == 2 {
            guard amount % 5 == 0 else { return nil }
            let fahrenheit = amount * 9 / 5 + 32
            let explanation = "\(amount) × 9/5 + 32 = \(fahrenheit), so it is \(fahrenheit) degrees Fahrenheit."
            return WorldPrompt(
                text: text, family: name,
                expectation: .number(value: Double(fahrenheit), allowed: [Double(amount), 9, 5, 32, 1.8]),
                answers: Phrasing.shortAnswers("\(fahrenheit) degrees Fahrenheit", explanation: explanation)
                    + ["\(fahrenheit) °F"],
                explanation: explanation,
                distractors: [fahrenheit + 10, amount * 2 + 30, amount + 32].filter { $0 != fahrenheit }
                    .map { "It is \($0) degrees Fahrenheit." },
                wordBudget: 16
            )
        }
        guard amount > 0, let from = slots["from"]?.trimmingWhitespace().lowercased(),
            let to = slots["to"]?.trimmingWhitespace().lowercased()
        else { return nil }
        let result: Int
        let conversion: Conversion
        if let down = Self.conversions.first(where: { $0.larger == from && $0.smaller == to }) {
            conversion = down
            result = amount * down.factor
        } else if let up = Self.conversions.first(where: { $0.smaller == from && $0.larger == to }),
            amount % up.factor == 0
        {
            conversion = up
            result = amount / up.factor
        } else {
            return nil
        }
        let explanation =
            "There are \(conversion.factor) \(conversion.smaller) in 1 \(singular(conversion.larger)), "
            + "so \(amount) \(from) is \(result) \(to)."
        let wrong = [result * 10, result + conversion.factor, max(1, result / 10)].filter {
            $0 != result && $0 != amount
        }
        return WorldPrompt(
            text: text, family: name,
            expectation: .number(value: Double(result), allowed: [Double(amount), Double(conversion.factor), 1]),
            answers: Phrasing.shortAnswers("\(result) \(to)", explanation: explanation),
            explanation: explanation,
            distractors: wrong.map { "\($0) \(to)." },
            wordBudget: 18
        )
    }

    private func singular(_ unit: String) -> String {
        switch unit {
        case "feet": return "foot"
        case "inches": return "inch"
        default: return unit.hasSuffix("s") ? String(unit.dropLast()) : unit
        }
    }
}
