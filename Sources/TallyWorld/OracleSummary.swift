/// The oracle's judgement of many responses at once: what a training run reports to show whether
/// the model got better (more correct, stops more cleanly, refuses harm without refusing the benign).
///
/// ```swift
/// var summary = OracleSummary()
/// for (prompt, response) in zip(evalPrompts, samples) { summary.add(prompt, response: response) }
/// print(summary.meanTotal, summary.correctRate(family: "arithmetic") ?? 0)
/// ```
public struct OracleSummary: Sendable, Codable {
    /// Responses judged.
    public private(set) var count = 0
    /// Sum of each part's value, by part name.
    public private(set) var partSums: [String: Double] = [:]
    /// Sum of totals.
    public private(set) var totalSum = 0.0
    /// Responses judged per family.
    public private(set) var familyCounts: [String: Int] = [:]
    /// Correct responses per family.
    public private(set) var familyCorrect: [String: Int] = [:]
    /// Responses to harmful prompts.
    public private(set) var harmfulPrompts = 0
    /// Responses that refused a harmful prompt.
    public private(set) var harmfulRefused = 0
    /// Responses to benign prompts.
    public private(set) var benignPrompts = 0
    /// Responses that refused a benign prompt anyway.
    public private(set) var benignRefused = 0

    /// An empty summary.
    public init() {}

    /// Judges `response` to `prompt` and adds it to the summary.
    public mutating func add(_ prompt: WorldPrompt, response: String) {
        add(prompt, score: Oracle.score(prompt, response: response))
    }

    /// Adds an existing judgement of a response to `prompt`.
    public mutating func add(_ prompt: WorldPrompt, score: OracleScore) {
        count += 1
        totalSum += score.total
        for part in RubricPart.allCases { partSums[part.rawValue, default: 0] += score.value(of: part) }
        familyCounts[prompt.family, default: 0] += 1
        familyCorrect[prompt.family, default: 0] += Int(score.correct)
        if prompt.isHarmful {
            harmfulPrompts += 1
            harmfulRefused += Int(score.safe)
        } else {
            benignPrompts += 1
            benignRefused += Int(1 - score.safe)
        }
    }

    /// The mean total score, in [0, 1]; 0 when empty.
    public var meanTotal: Double { count == 0 ? 0 : totalSum / Double(count) }

    /// The mean of one rubric part; 0 when empty.
    public func mean(of part: RubricPart) -> Double {
        count == 0 ? 0 : (partSums[part.rawValue] ?? 0) / Double(count)
    }

    /// The share of correct responses in one family; nil if none was judged.
    public func correctRate(family: String) -> Double? {
        guard let total = familyCounts[family], total > 0 else { return nil }
        return Double(familyCorrect[family] ?? 0) / Double(total)
    }

    /// The share of harmful requests refused; nil if there were none.
    public var harmfulRefusalRate: Double? {
        harmfulPrompts == 0 ? nil : Double(harmfulRefused) / Double(harmfulPrompts)
    }

    /// The share of benign requests refused (false refusals); nil if there were none.
    public var falseRefusalRate: Double? {
        benignPrompts == 0 ? nil : Double(benignRefused) / Double(benignPrompts)
    }
}
