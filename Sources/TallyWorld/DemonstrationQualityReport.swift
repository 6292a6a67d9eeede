/// A measurement of how good simulated demonstrations are: the oracle's summary of them and how
/// often each flaw occurred.
///
/// ```swift
/// let report = DemonstrationQualityReport.measure(labelers: 8, items: 600, seed: 7)
/// print(report.summary.meanTotal, report.rate(of: .wrongAnswer) ?? 0)   // about 0.8 and 0.3
/// ```
public struct DemonstrationQualityReport: Sendable, Codable {
    /// The oracle's judgement of every demonstration.
    public var summary = OracleSummary()
    /// Demonstrations with each flaw, by the flaw's raw value.
    public var flawCounts: [String: Int] = [:]
    /// Demonstrations that could have had each flaw (see ``DemonstrationFlaw/applies(to:)``), by raw value.
    public var eligibleCounts: [String: Int] = [:]

    /// An empty report.
    public init() {}

    /// Judges `demonstration` of `prompt` and counts its flaws.
    public mutating func add(_ prompt: WorldPrompt, demonstration: SimulatedDemonstration) {
        summary.add(prompt, response: demonstration.text)
        for flaw in DemonstrationFlaw.allCases where flaw.applies(to: prompt) {
            eligibleCounts[flaw.rawValue, default: 0] += 1
        }
        for flaw in demonstration.flaws { flawCounts[flaw.rawValue, default: 0] += 1 }
    }

    /// The share of the demonstrations that could have `flaw` which had it; nil if none could.
    public func rate(of flaw: DemonstrationFlaw) -> Double? {
        guard let eligible = eligibleCounts[flaw.rawValue], eligible > 0 else { return nil }
        return Double(flawCounts[flaw.rawValue] ?? 0) / Double(eligible)
    }

    /// Has `labelers` simulated labelers (seeded as `tally simulate` seeds sim-1, sim-2, …) take turns
    /// writing demonstrations for `items` train prompts, and judges them.
    public static func measure(
        labelers count: Int, items: Int, seed: UInt64, quality: DemonstrationQuality = .calibrated,
        world: World = World()
    ) -> DemonstrationQualityReport {
        var labelers = (1...max(1, count)).map {
            SimulatedLabeler(seed: StableHash.combine(seed, UInt64($0)), demonstrationQuality: quality, world: world)
        }
        var report = DemonstrationQualityReport()
        for (index, prompt) in world.prompts(split: .train, count: items, seed: seed).enumerated() {
            report.add(prompt, demonstration: labelers[index % labelers.count].demonstrate(prompt))
        }
        return report
    }
}
