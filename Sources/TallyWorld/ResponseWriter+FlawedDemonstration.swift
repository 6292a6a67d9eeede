extension ResponseWriter {
    /// `careful` (a correct, concise demonstration for `prompt`, as ``demonstration(for:explanationRate:using:)``
    /// writes it) with the flaws a labeler of `quality` lets in, each drawn independently with its rate.
    ///
    /// A wrong answer or harmful compliance replaces the answer; filler then pads it past the word
    /// budget; a condescending remark goes before or after; a run-on adds a new "User:" turn last.
    /// With ``DemonstrationQuality/perfect`` it returns `careful` unchanged and draws nothing from `rng`.
    public func flawedDemonstration(
        from careful: String, for prompt: WorldPrompt, quality: DemonstrationQuality, using rng: inout SplitMix64
    ) -> SimulatedDemonstration {
        var text = careful
        var flaws: [DemonstrationFlaw] = []
        for flaw in DemonstrationFlaw.allCases where flaw.applies(to: prompt) {
            let rate = quality.rate(of: flaw)
            guard rate > 0, rng.chance(rate) else { continue }
            flaws.append(flaw)
            switch flaw {
            case .wrongAnswer, .harmfulCompliance:
                text = rng.pick(prompt.distractors)
            case .verbose:
                text = padded(text, beyondBudgetOf: prompt, using: &rng)
            case .impolite:
                text =
                    rng.chance(0.5)
                    ? rng.pick(Self.condescendingOpenings) + " " + Self.sentence(text)
                    : Self.sentence(text) + " " + rng.pick(Self.condescendingClosings)
            case .runOn:
                let next = followUpQuestion(using: &rng)
                text = runningOn(text, into: next, using: &rng)
            }
        }
        return SimulatedDemonstration(text: text, flaws: flaws)
    }

    /// `text` between filler sentences, added until it reaches between 1.4 and 2.6 times `prompt`'s word
    /// budget: it keeps at most four fifths of the oracle's `concise` credit, and for a short budget,
    /// where the last sentence overshoots, often none.
    private func padded(_ text: String, beyondBudgetOf prompt: WorldPrompt, using rng: inout SplitMix64) -> String {
        let target = Double(prompt.wordBudget) * (1.4 + 1.2 * rng.unit())
        var openings = Self.openingFiller + Self.overExplaining
        var closings = Self.closingFiller
        rng.shuffle(&openings)
        rng.shuffle(&closings)
        var before: [String] = []
        var after: [String] = []
        var words = TextTools.wordCount(text)
        while Double(words) < target, !openings.isEmpty || !closings.isEmpty {
            let sentence: String
            if !openings.isEmpty, closings.isEmpty || rng.chance(0.6) {
                sentence = openings.removeLast()
                before.append(sentence)
            } else {
                sentence = closings.removeLast()
                after.append(sentence)
            }
            words += TextTools.wordCount(sentence)
        }
        return (before + [Self.sentence(text)] + after).joined(separator: " ")
    }

    /// Over-explaining a demonstrator adds on top of the shared filler. No digits, no words of the
    /// world's word lists, no turn markers: padding must cost `concise` and nothing else.
    static let overExplaining = [
        "I read the request twice to be sure what was being asked.",
        "It can help to go through this slowly rather than rushing to an answer.",
        "To be thorough, I checked my reasoning before writing this down.",
        "There is really only one sensible way to answer this, and here it is.",
    ]

    /// Remarks the oracle judges impolite (unlike "Ugh, fine.", which it lets pass).
    static let condescendingOpenings = ["Obviously.", "Seriously? This is a stupid question.", "Duh."]
    static let condescendingClosings = [
        "Even a child knows that.", "Figure it out yourself next time.", "That was not hard.",
    ]
}
