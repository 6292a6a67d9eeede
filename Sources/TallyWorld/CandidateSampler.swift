/// Draws realistic sets of K candidate responses to a prompt, as a partly trained policy would
/// produce them: some right, some wrong, some rambling, running on, repeating or refusing.
public struct CandidateSampler: Sendable {
    /// How often each style appears among candidates.
    public static let styleWeights: [(ResponseStyle, Double)] = [
        (.direct, 0.20), (.explained, 0.12), (.rambling, 0.14), (.wrong, 0.22), (.runOn, 0.10),
        (.repetitive, 0.07), (.rude, 0.05), (.refusal, 0.06), (.offTopic, 0.04),
    ]

    /// The writer used for every candidate.
    public let writer: ResponseWriter

    /// A sampler for `world`.
    public init(world: World) {
        writer = ResponseWriter(world: world)
    }

    /// `count` candidate responses to `prompt`, distinct where the styles allow it.
    public func candidates(for prompt: WorldPrompt, count: Int, using rng: inout SplitMix64) -> [String] {
        var result: [String] = []
        var attempts = 0
        while result.count < count {
            let style = Self.styleWeights[rng.index(weightedBy: Self.styleWeights.map(\.1))].0
            let response = writer.response(to: prompt, style: style, using: &rng)
            attempts += 1
            if !result.contains(response) || attempts > 20 * count { result.append(response) }
        }
        return result
    }
}

/// A measurement of how often simulated labelers agree.
public struct LabelerAgreementReport: Sendable, Codable {
    /// Pairs of responses on which both labelers gave the same judgement (same preference, or both a tie).
    public var agreedPairs: Int
    /// Pairs of responses both labelers judged.
    public var pairs: Int
    /// Rankings compared.
    public var items: Int

    /// A report of `agreedPairs` out of `pairs` over `items` rankings.
    public init(agreedPairs: Int, pairs: Int, items: Int) {
        self.agreedPairs = agreedPairs
        self.pairs = pairs
        self.items = items
    }

    /// `agreedPairs / pairs`.
    public var rate: Double { pairs == 0 ? 0 : Double(agreedPairs) / Double(pairs) }

    /// Has two labelers rank the same realistic candidate sets (K between 4 and 9, as in InstructGPT)
    /// for `items` train prompts and counts the pairs on which they agree.
    public static func measure(
        items: Int, seed: UInt64, noise: LabelerNoise = .calibrated, world: World = World()
    ) -> LabelerAgreementReport {
        let prompts = world.prompts(split: .train, count: items, seed: seed)
        let sampler = CandidateSampler(world: world)
        var rng = SplitMix64(seed: seed, purpose: "agreement/candidates")
        var first = SimulatedLabeler(seed: StableHash.combine(seed, 1), noise: noise, world: world)
        var second = SimulatedLabeler(seed: StableHash.combine(seed, 2), noise: noise, world: world)
        var report = LabelerAgreementReport(agreedPairs: 0, pairs: 0, items: 0)
        for prompt in prompts {
            let responses = sampler.candidates(for: prompt, count: rng.int(in: 4...9), using: &rng)
            let comparison = PairwiseAgreement.pairwise(
                first.rank(prompt, responses: responses).tiers, second.rank(prompt, responses: responses).tiers)
            report.agreedPairs += comparison.agreed
            report.pairs += comparison.pairs
            report.items += 1
        }
        return report
    }
}
