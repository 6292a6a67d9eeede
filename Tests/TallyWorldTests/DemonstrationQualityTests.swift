import Testing

@testable import TallyWorld

private let world = World()

/// A quality with `flaw` at `rate` and every other flaw at 0.
private func only(_ flaw: DemonstrationFlaw, rate: Double = 1) -> DemonstrationQuality {
    var quality = DemonstrationQuality.perfect
    switch flaw {
    case .wrongAnswer: quality.wrongAnswerRate = rate
    case .harmfulCompliance: quality.harmfulComplianceRate = rate
    case .verbose: quality.verboseRate = rate
    case .impolite: quality.impoliteRate = rate
    case .runOn: quality.runOnRate = rate
    }
    return quality
}

@Test func calibratedDemonstrationsScoreAboutPointEightOnAverage() {
    let report = DemonstrationQualityReport.measure(labelers: 8, items: 600, seed: 7)
    let rates = DemonstrationFlaw.allCases.map { flaw in
        "\(flaw.rawValue) \(report.rate(of: flaw).map { String(format: "%.3f", $0) } ?? "-")"
    }
    print(
        "simulated demonstrations: mean oracle total \(report.summary.meanTotal) over \(report.summary.count); "
            + rates.joined(separator: ", "))
    #expect(report.summary.count == 600)
    #expect(report.summary.meanTotal >= 0.76 && report.summary.meanTotal <= 0.84)
    for flaw in DemonstrationFlaw.allCases {
        let nominal = DemonstrationQuality.calibrated.rate(of: flaw)
        let measured = report.rate(of: flaw) ?? 0
        #expect(measured > 0.5 * nominal && measured < 1.5 * nominal, "\(flaw): \(measured) against \(nominal)")
    }
}

@Test func perfectQualityWritesNoFlawsAndDrawsNothing() throws {
    let sum = try #require(world.recognize("What is 37 plus 45?"))
    let writer = ResponseWriter(world: world)
    var rng = SplitMix64(seed: 1)
    var before = rng
    let demonstration = writer.flawedDemonstration(from: "82", for: sum, quality: .perfect, using: &rng)
    #expect(demonstration == SimulatedDemonstration(text: "82", flaws: []))
    #expect(rng.next() == before.next(), "the stream is untouched")
    #expect(SimulatedLabeler(seed: 3, demonstrationQuality: .perfect).demonstrationQuality == .perfect)
}

@Test(arguments: DemonstrationFlaw.allCases)
func eachFlawOccursAndCostsItsRubricParts(flaw: DemonstrationFlaw) {
    let writer = ResponseWriter(world: world)
    var rng = SplitMix64(seed: 21)
    var written = 0
    for prompt in world.prompts(split: .train, count: 400, seed: 21) where flaw.applies(to: prompt) {
        let careful = writer.demonstration(for: prompt, using: &rng)
        let demonstration = writer.flawedDemonstration(from: careful, for: prompt, quality: only(flaw), using: &rng)
        let score = Oracle.score(prompt, response: demonstration.text)
        let context = "\(prompt.text) -> \(demonstration.text): \(score)"
        #expect(demonstration.flaws == [flaw], "\(context)")
        for part in flaw.costs {
            #expect(score.value(of: part) < 1, "\(part) kept: \(context)")
        }
        switch flaw {
        case .wrongAnswer: #expect(score.correct == 0, "\(context)")
        case .harmfulCompliance: #expect(score.correct == 0 && score.safe == 0, "\(context)")
        case .runOn:
            #expect(score.stopsCleanly == 0, "\(context)")
            #expect(score.correct == 1, "the answer before the new turn still counts: \(context)")
        case .impolite: #expect(score.polite == 0, "\(context)")
        case .verbose:
            #expect(score.concise <= 0.8, "\(context)")
            #expect(score.isAcceptable && score.polite == 1, "padding costs nothing but concision: \(context)")
        }
        written += 1
    }
    #expect(written >= (flaw == .harmfulCompliance ? 20 : 300))
}

@Test func harmfulComplianceAndWrongAnswersGoToTheirOwnPrompts() throws {
    let harmful = try #require(world.recognize("How do I poison my coworker?"))
    let sum = try #require(world.recognize("What is 37 plus 45?"))
    #expect(DemonstrationFlaw.harmfulCompliance.applies(to: harmful))
    #expect(!DemonstrationFlaw.wrongAnswer.applies(to: harmful))
    #expect(DemonstrationFlaw.wrongAnswer.applies(to: sum))
    #expect(!DemonstrationFlaw.harmfulCompliance.applies(to: sum))
    let writer = ResponseWriter(world: world)
    var rng = SplitMix64(seed: 5)
    let offByOne = writer.flawedDemonstration(from: "82", for: sum, quality: only(.wrongAnswer), using: &rng)
    #expect(sum.distractors.contains(offByOne.text))
    #expect(TextTools.numbers(in: offByOne.text).contains { [81, 83, 92].contains($0) }, "\(offByOne.text)")
}

@Test func flawsSpoilTheCarefulAnswerAndLeaveRankingsAlone() throws {
    let prompts = world.prompts(split: .train, count: 200, seed: 12)
    let candidates = ["180 minutes", "120 minutes", "I can't help with that.", "Great question! It's 180 minutes."]
    let hours = try #require(world.recognize("Convert 3 hours to minutes."))
    var careful = SimulatedLabeler(seed: 12, demonstrationQuality: .perfect)
    var careless = SimulatedLabeler(seed: 12)
    var flawed = 0
    for prompt in prompts {
        let perfect = careful.demonstrate(prompt)
        let imperfect = careless.demonstrate(prompt)
        if imperfect.flaws.isEmpty {
            #expect(imperfect.text == perfect.text)
        } else {
            flawed += 1
        }
        #expect(careful.rank(hours, responses: candidates) == careless.rank(hours, responses: candidates))
    }
    #expect(flawed > 40 && flawed < 160)
}

@Test func labelersAreMoreOrLessCarefulByTheirSeed() {
    let qualities = (1...20).map { SimulatedLabeler(seed: UInt64($0)).demonstrationQuality }
    let factors = qualities.map { $0.wrongAnswerRate / DemonstrationQuality.calibrated.wrongAnswerRate }
    #expect(factors.allSatisfy { $0 >= 0.7 && $0 <= 1.3 })
    #expect((factors.max() ?? 0) - (factors.min() ?? 0) > 0.3)
    for (quality, factor) in zip(qualities, factors) {
        for flaw in DemonstrationFlaw.allCases {
            #expect(abs(quality.rate(of: flaw) - factor * DemonstrationQuality.calibrated.rate(of: flaw)) < 1e-12)
        }
    }
    #expect(DemonstrationQuality.calibrated.scaled(by: 10).wrongAnswerRate == 1)
}
