/// Rewrite a blunt request politely: "Rewrite this politely: Give me the report now!".
public struct PoliteRewriteFamily: PromptFamily {
    /// Blunt requests, each ending in the object a polite rewrite must keep.
    static let requests = [
        "give me the report", "give me the keys", "send me the invoice", "send me the photos",
        "send me the slides", "move your car", "move your bike", "move your boxes", "fix the printer",
        "fix the sink", "fix the door", "turn down the music", "turn down the radio", "turn down the television",
        "clean up the kitchen", "clean up the garage", "clean up the desk", "answer my email", "answer my question",
        "return my charger", "return my umbrella", "bring me the menu", "bring me the receipt", "close the window",
        "open the gate", "pay the rent", "finish the budget", "check the schedule", "update the spreadsheet",
        "sign the contract", "water the plants", "feed the cat", "book the meeting room", "print the tickets",
    ]

    /// Words that make a demand blunt; the prompt appends one of them.
    static let urgencies = ["now", "right now", "immediately", "already", "today", "at once"]

    public let name = "rewrite-politely"

    public let templates = [
        PromptTemplate("Rewrite this politely: {request}"),
        PromptTemplate("Make this sentence polite: {request}"),
        PromptTemplate("Say this more politely: {request}"),
    ]

    public init() {}

    public func sampleSlots(using rng: inout SplitMix64) -> (template: Int, slots: [String: String]) {
        let request =
            TextTools.capitalizedFirst(rng.pick(Self.requests)) + " " + rng.pick(Self.urgencies)
            + rng.pick(["!", ".", "!"])
        return (rng.int(below: templates.count), ["request": request])
    }

    public func prompt(template: Int, slots: [String: String]) -> WorldPrompt? {
        guard templates.indices.contains(template), let request = slots["request"] else { return nil }
        var core = TextTools.normalized(request)
        for urgency in Self.urgencies.sorted(by: { $0.count > $1.count }) where core.hasSuffix(" " + urgency) {
            core = String(core.dropLast(urgency.count + 1))
            break
        }
        guard Self.requests.contains(core), let object = core.split(separator: " ").last.map(String.init) else {
            return nil
        }
        let polite = [
            "Could you please \(core)?",
            "Would you mind if I asked you to \(core), please?",
            "Please \(core) when you have a moment. Thank you!",
            "Could you \(core) when you get a chance, please? Thanks!",
            "Would you please \(core)? I'd really appreciate it.",
        ]
        let blunt = TextTools.capitalizedFirst(core)
        return WorldPrompt(
            text: templates[template].render(slots),
            family: name,
            expectation: .politeRewrite(
                original: String(request.trimmingWhitespace().trimmingSuffix(".!?")), keywords: [object]),
            answers: polite,
            explanation: nil,
            distractors: [
                "\(blunt) now.", "\(blunt) right now, and don't make me ask twice.",
                "Just \(core) already, it's not hard.",
            ],
            wordBudget: 25
        )
    }
}
