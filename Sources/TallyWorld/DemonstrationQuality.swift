/// A way a simulated labeler's demonstration falls short, and the rubric parts it costs.
public enum DemonstrationFlaw: String, CaseIterable, Sendable, Codable {
    /// A plausible wrong answer in place of the right one: an off-by-one sum or count, a neighbouring
    /// capital, a list one item short (the prompt's distractors; for a benign look-alike, a needless
    /// refusal). Never written for a harmful request, whose wrong answer is ``harmfulCompliance``.
    case wrongAnswer = "wrong-answer"
    /// Help with a harmful request instead of a refusal; written only for harmful requests.
    case harmfulCompliance = "harmful-compliance"
    /// The answer padded with filler and over-explaining beyond the task's word budget.
    case verbose
    /// A condescending remark before or after the answer.
    case impolite
    /// The answer running on into a new "User:" turn, as the pretraining corpus's transcripts do.
    case runOn = "run-on"

    /// The rubric parts the oracle always takes away for this flaw: ``verbose`` part or all of `concise`,
    /// the others their parts entirely. Some cost more now and then: a wrong answer to a benign
    /// look-alike (a needless refusal) also loses `safe`, a blunt rewrite of a rude request or an
    /// impolite polite rewrite loses both `correct` and `polite`, and the words an impolite remark or a
    /// run-on adds may take the response past its word budget.
    public var costs: [RubricPart] {
        switch self {
        case .wrongAnswer: return [.correct]
        case .harmfulCompliance: return [.correct, .safe]
        case .verbose: return [.concise]
        case .impolite: return [.polite]
        case .runOn: return [.stopsCleanly]
        }
    }

    /// Whether a demonstration for `prompt` can have this flaw: a wrong answer needs a benign prompt
    /// with distractors, harmful compliance a harmful one; the rest fit every prompt.
    public func applies(to prompt: WorldPrompt) -> Bool {
        switch self {
        case .wrongAnswer: return !prompt.isHarmful && !prompt.distractors.isEmpty
        case .harmfulCompliance: return prompt.isHarmful && !prompt.distractors.isEmpty
        case .verbose, .runOn, .impolite: return true
        }
    }
}

/// How often a simulated labeler's demonstrations have each ``DemonstrationFlaw``.
///
/// Real demonstrators are not perfect: they pad, slip on a fact, run on, now and then help with
/// something they should have refused. If simulated ones always wrote the oracle's ideal answer,
/// supervised fine-tuning on their demonstrations would be the ceiling and ranking-based training
/// (reward model, PPO, DPO) would have nothing to add — the opposite of why RLHF exists: comparing
/// answers is easier and more reliable than writing them. Flaws are drawn independently, each with
/// its rate, for the prompts they apply to (see ``DemonstrationFlaw/applies(to:)``).
///
/// ```swift
/// var careless = SimulatedLabeler(seed: 1)                                  // .calibrated
/// var careful = SimulatedLabeler(seed: 1, demonstrationQuality: .perfect)  // always full marks
/// let demo = careless.demonstrate(prompt)   // demo.text, demo.flaws
/// ```
public struct DemonstrationQuality: Hashable, Sendable, Codable {
    /// The share of demonstrations padded past the word budget.
    public var verboseRate: Double
    /// The share of demonstrations to benign prompts that give a plausible wrong answer.
    public var wrongAnswerRate: Double
    /// The share of demonstrations that run on into a new "User:" turn.
    public var runOnRate: Double
    /// The share of demonstrations to harmful requests that comply instead of refusing.
    public var harmfulComplianceRate: Double
    /// The share of demonstrations with a condescending remark.
    public var impoliteRate: Double

    /// Rates, each in [0, 1].
    public init(
        verboseRate: Double, wrongAnswerRate: Double, runOnRate: Double, harmfulComplianceRate: Double,
        impoliteRate: Double
    ) {
        self.verboseRate = verboseRate
        self.wrongAnswerRate = wrongAnswerRate
        self.runOnRate = runOnRate
        self.harmfulComplianceRate = harmfulComplianceRate
        self.impoliteRate = impoliteRate
    }

    /// The default, calibrated so that simulated demonstrations over the world's train prompts have a
    /// mean oracle total near 0.8 (wrong answers cost most, since `correct` weighs 0.40).
    /// `TallyWorldTests` measures it with ``DemonstrationQualityReport``.
    public static let calibrated = DemonstrationQuality(
        verboseRate: 0.35, wrongAnswerRate: 0.30, runOnRate: 0.20, harmfulComplianceRate: 0.30, impoliteRate: 0.10)

    /// No flaws: every demonstration is a correct, concise answer with the oracle's full marks.
    public static let perfect = DemonstrationQuality(
        verboseRate: 0, wrongAnswerRate: 0, runOnRate: 0, harmfulComplianceRate: 0, impoliteRate: 0)

    /// The rate of one flaw.
    public func rate(of flaw: DemonstrationFlaw) -> Double {
        switch flaw {
        case .wrongAnswer: return wrongAnswerRate
        case .harmfulCompliance: return harmfulComplianceRate
        case .verbose: return verboseRate
        case .impolite: return impoliteRate
        case .runOn: return runOnRate
        }
    }

    /// Every rate multiplied by `factor` and kept within [0, 1]: a more careful labeler (below 1) or a
    /// less careful one (above 1).
    public func scaled(by factor: Double) -> DemonstrationQuality {
        func scale(_ rate: Double) -> Double { min(1, max(0, rate * factor)) }
        return DemonstrationQuality(
            verboseRate: scale(verboseRate), wrongAnswerRate: scale(wrongAnswerRate), runOnRate: scale(runOnRate),
            harmfulComplianceRate: scale(harmfulComplianceRate), impoliteRate: scale(impoliteRate))
    }
}

/// A simulated labeler's demonstration: its text and the flaws the labeler let into it.
public struct SimulatedDemonstration: Hashable, Sendable, Codable {
    /// The demonstration as submitted.
    public var text: String
    /// The flaws it has, in the order they were made (that of ``DemonstrationFlaw/allCases``); empty for a
    /// careful one.
    public var flaws: [DemonstrationFlaw]

    /// A demonstration of `text` with `flaws`.
    public init(text: String, flaws: [DemonstrationFlaw]) {
        self.text = text
        self.flaws = flaws
    }
}
