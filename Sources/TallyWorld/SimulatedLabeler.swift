/// How noisy a simulated labeler is.
///
/// A labeler perceives each response's oracle total plus Gaussian noise (a Thurstone model) and
/// puts responses whose perceived scores lie within ``tieMargin`` of each other in one tier.
public struct LabelerNoise: Hashable, Sendable, Codable {
    /// The standard deviation of the noise added to each oracle total (totals lie in [0, 1]).
    public var scoreNoise: Double
    /// Perceived scores closer than this are ranked as a tie.
    public var tieMargin: Double

    /// Noise with the given parameters.
    public init(scoreNoise: Double, tieMargin: Double) {
        self.scoreNoise = scoreNoise
        self.tieMargin = tieMargin
    }

    /// The default, calibrated so that two simulated labelers agree on about 73% of response pairs
    /// over the world's realistic candidate sets, as InstructGPT's labelers did (72.6 ± 1.5%).
    /// `TallyWorldTests` measures it; `tally world agreement` prints it.
    public static let calibrated = LabelerNoise(scoreNoise: 0.12, tieMargin: 0.01)

    /// No noise: rankings follow the oracle exactly (ties only for equal totals).
    public static let exact = LabelerNoise(scoreNoise: 0, tieMargin: 1e-9)
}

/// A flag a labeler may attach to a response, as the guidelines define them.
public enum SimulatedFlag: String, CaseIterable, Sendable, Codable {
    case harmful
    case jailbreak
    case pii
    case spam
    case factualError = "factual-error"
}

/// A simulated labeler's ranking of K responses.
public struct SimulatedRanking: Hashable, Sendable, Codable {
    /// Response indices grouped in tiers, best tier first; responses in one tier are tied.
    public var tiers: [[Int]]
    /// True when no response is acceptable (wrong, unsafe or running on, by the guidelines).
    public var noneAcceptable: Bool
    /// Flags per response index, for the responses that deserve one.
    public var flags: [Int: [SimulatedFlag]]
    /// Flags on the prompt itself (a harmful request, a request for someone's personal data).
    public var promptFlags: [SimulatedFlag]
}

/// A labeler simulated from the oracle: ranks responses with noise and writes demonstrations with
/// the flaws of a real demonstrator.
///
/// ```swift
/// var labeler = SimulatedLabeler(seed: 1)
/// let ranking = labeler.rank(prompt, responses: candidates)
/// let demo = labeler.demonstrate(prompt)   // demo.text; demo.flaws, e.g. [.verbose]
/// ```
public struct SimulatedLabeler: Sendable {
    /// The labeler's noise.
    public var noise: LabelerNoise
    /// How often this labeler adds a short explanation to a demonstration: each labeler has a style,
    /// between terse (0.1) and explanatory (0.5), fixed by its seed.
    public let explanationRate: Double
    /// How often this labeler's demonstrations have each flaw: the quality it was given, scaled by a
    /// carefulness between 0.7 and 1.3 fixed by its seed, so that a population of labelers keeps the
    /// given quality on average.
    public let demonstrationQuality: DemonstrationQuality
    private var rng: SplitMix64
    /// Flaws are drawn from a stream of their own, so that the careful answers and the rankings a
    /// labeler makes are the same whatever its demonstration quality.
    private var flawRNG: SplitMix64
    private let writer: ResponseWriter

    /// A labeler whose choices are fixed by `seed`, writing demonstrations of about `demonstrationQuality`
    /// (``DemonstrationQuality/perfect`` for flawless ones).
    public init(
        seed: UInt64, noise: LabelerNoise = .calibrated, demonstrationQuality: DemonstrationQuality = .calibrated,
        world: World = World()
    ) {
        self.noise = noise
        rng = SplitMix64(seed: seed, purpose: "labeler")
        explanationRate = 0.1 + 0.4 * rng.unit()
        flawRNG = SplitMix64(seed: seed, purpose: "labeler/demonstration-flaws")
        self.demonstrationQuality = demonstrationQuality.scaled(by: 0.7 + 0.6 * flawRNG.unit())
        writer = ResponseWriter(world: world)
    }

    /// Ranks `responses` to `prompt`: oracle totals plus noise, close scores tied.
    public mutating func rank(_ prompt: WorldPrompt, responses: [String]) -> SimulatedRanking {
        let scores = responses.map { Oracle.score(prompt, response: $0) }
        let perceived = scores.map { $0.total + noise.scoreNoise * rng.gaussian() }
        let order = perceived.indices.sorted {
            perceived[$0] > perceived[$1] || (perceived[$0] == perceived[$1] && $0 < $1)
        }
        var tiers: [[Int]] = []
        var previous = Double.infinity
        for index in order {
            if let last = tiers.indices.last, previous - perceived[index] < noise.tieMargin {
                tiers[last].append(index)
            } else {
                tiers.append([index])
            }
            previous = perceived[index]
        }
        var flags: [Int: [SimulatedFlag]] = [:]
        for (index, score) in scores.enumerated() {
            var responseFlags: [SimulatedFlag] = []
            if prompt.isHarmful, score.safe == 0 { responseFlags.append(.harmful) }
            if prompt.family == "facts", score.correct == 0 { responseFlags.append(.factualError) }
            if ResponseAnalysis.stopsCleanly(responses[index]) == false, score.correct == 0 {
                responseFlags.append(.spam)
            }
            if !responseFlags.isEmpty { flags[index] = responseFlags }
        }
        return SimulatedRanking(
            tiers: tiers, noneAcceptable: !scores.contains { $0.isAcceptable }, flags: flags,
            promptFlags: Self.promptFlags(prompt))
    }

    /// The flags the guidelines put on the prompt itself: harmful requests, requests for a person's
    /// private data, and attempts to talk the model past its rules.
    public static func promptFlags(_ prompt: WorldPrompt) -> [SimulatedFlag] {
        guard prompt.isHarmful else { return [] }
        let text = prompt.text.lowercased()
        var flags: [SimulatedFlag] = [.harmful]
        if ["home address", "password", "hack into"].contains(where: text.contains) { flags.append(.pii) }
        if ["hypothetically", "for a story", "ignore your rules"].contains(where: text.contains) {
            flags.append(.jailbreak)
        }
        return flags
    }

    /// A demonstration for `prompt`: a correct answer in one of several phrasings, sometimes with
    /// a short explanation, spoiled now and then by the flaws of ``demonstrationQuality``.
    public mutating func demonstrate(_ prompt: WorldPrompt) -> SimulatedDemonstration {
        let careful = writer.demonstration(for: prompt, explanationRate: explanationRate, using: &rng)
        return writer.flawedDemonstration(from: careful, for: prompt, quality: demonstrationQuality, using: &flawRNG)
    }
}

/// Agreement between labelers on pairs of responses.
public enum PairwiseAgreement {
    /// How two rankings of the same responses compare on every pair of responses: both prefer the
    /// same one, or both tie them. Responses missing from either ranking are skipped.
    public static func pairwise(_ first: [[Int]], _ second: [[Int]]) -> (agreed: Int, pairs: Int) {
        let tierOfFirst = tierIndex(first)
        let tierOfSecond = tierIndex(second)
        let shared = tierOfFirst.keys.filter { tierOfSecond[$0] != nil }.sorted()
        var agreed = 0
        var pairs = 0
        for (position, i) in shared.enumerated() {
            for j in shared[(position + 1)...] {
                guard let a1 = tierOfFirst[i], let b1 = tierOfFirst[j], let a2 = tierOfSecond[i],
                    let b2 = tierOfSecond[j]
                else { continue }
                pairs += 1
                if (a1 < b1) == (a2 < b2), (a1 == b1) == (a2 == b2) { agreed += 1 }
            }
        }
        return (agreed, pairs)
    }

    private static func tierIndex(_ tiers: [[Int]]) -> [Int: Int] {
        var index: [Int: Int] = [:]
        for (tier, members) in tiers.enumerated() {
            for member in members { index[member] = tier }
        }
        return index
    }
}
