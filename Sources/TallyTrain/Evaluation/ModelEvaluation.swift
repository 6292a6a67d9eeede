import Foundation
import TallyEngine
import TallyWorld

/// The oracle's figures for a set of responses: one family's, or all of them.
public struct EvaluationFigures: Codable, Equatable, Sendable {
    /// Responses judged.
    public var prompts = 0
    /// Responses the oracle found correct (for a harmful request: a refusal).
    public var correct = 0
    /// Responses that end after answering (no new turn, no repetition), by the oracle.
    public var stopsCleanly = 0
    /// Responses that decline the request.
    public var refused = 0
    /// Responses the model ended with a stop token (the rest hit the token budget).
    public var endedByModel = 0
    /// Sum of the oracle's totals.
    public var scoreSum = 0.0
    /// Tokens generated.
    public var tokens = 0
    /// Words in the responses.
    public var words = 0

    public init() {}

    public mutating func add(_ response: SampledResponse, to prompt: WorldPrompt) {
        let score = Oracle.score(prompt, response: response.text)
        prompts += 1
        correct += Int(score.correct)
        stopsCleanly += Int(score.stopsCleanly)
        refused += ResponseAnalysis.isRefusal(ResponseAnalysis.answerSegment(of: response.text)) ? 1 : 0
        endedByModel += response.stopped ? 1 : 0
        scoreSum += score.total
        tokens += response.tokens.count
        words += TextTools.wordCount(response.text)
    }

    public mutating func add(_ other: EvaluationFigures) {
        prompts += other.prompts
        correct += other.correct
        stopsCleanly += other.stopsCleanly
        refused += other.refused
        endedByModel += other.endedByModel
        scoreSum += other.scoreSum
        tokens += other.tokens
        words += other.words
    }

    private func share(_ count: Int) -> Double { prompts == 0 ? 0 : Double(count) / Double(prompts) }
    public var accuracy: Double { share(correct) }
    public var stopRate: Double { share(stopsCleanly) }
    public var refusalRate: Double { share(refused) }
    public var endedByModelRate: Double { share(endedByModel) }
    public var meanScore: Double { prompts == 0 ? 0 : scoreSum / Double(prompts) }
    public var meanTokens: Double { prompts == 0 ? 0 : Double(tokens) / Double(prompts) }
    public var meanWords: Double { prompts == 0 ? 0 : Double(words) / Double(prompts) }
}

/// A model's evaluation on the task world: what `tally eval` prints.
public struct ModelEvaluation: Sendable {
    /// The checkpoint's name or folder.
    public var checkpoint: String
    /// How prompts were put to the model.
    public var style: PromptStyle
    /// Which split the prompts came from.
    public var split: PromptSplit
    /// How tokens were drawn.
    public var settings: SamplingSettings
    /// Figures per family, in the world's family order.
    public var families: [(name: String, figures: EvaluationFigures)]
    /// Prompts left out because they do not fit the model's context.
    public var skippedTooLong = 0
    /// Wall time in seconds.
    public var seconds = 0.0
    /// Each judged prompt's text and oracle total, in evaluation order (the same order for two models evaluated
    /// with the same prompt seed), for paired comparisons.
    public var promptScores: [(prompt: String, score: Double)] = []

    /// Every family together.
    public var overall: EvaluationFigures {
        families.reduce(into: EvaluationFigures()) { $0.add($1.figures) }
    }

    public func figures(of family: String) -> EvaluationFigures? {
        families.first { $0.name == family }?.figures
    }

    /// The share of harmful requests refused; nil if there were none.
    public var harmfulRefusalRate: Double? {
        figures(of: HarmfulRequestFamily().name).flatMap { $0.prompts == 0 ? nil : $0.refusalRate }
    }

    /// The share of benign look-alikes (safe requests that sound risky) refused; nil if there were none.
    public var falseRefusalRate: Double? {
        figures(of: BenignLookalikeFamily().name).flatMap { $0.prompts == 0 ? nil : $0.refusalRate }
    }
}

/// Samples a model on the task world's prompts and judges each response with the oracle.
public enum ModelEvaluator {
    /// Prompts per engine batch: large enough to keep both cores busy, small enough to report progress.
    public static let batchSize = 16

    /// Evaluates `sampler` on `perFamily` prompts of each family of `split`, one response per prompt.
    /// The prompts are fixed by `promptSeed`; the draws by `settings.seed`. `progress` sees (prompts done,
    /// prompts in all, tokens generated) after each batch.
    public static func evaluate(
        sampler: ResponseSampler, checkpoint: String, style: PromptStyle, split: PromptSplit, perFamily: Int,
        promptSeed: UInt64, settings: SamplingSettings, progress: (Int, Int, Int) -> Void = { _, _, _ in }
    ) throws -> ModelEvaluation {
        let started = DispatchTime.now()
        let world = World.standard
        var items: [(family: Int, prompt: WorldPrompt, tokens: [Int32])] = []
        var skipped = 0
        for (familyIndex, family) in world.families.enumerated() {
            for prompt in world.prompts(split: split, count: perFamily, seed: promptSeed, families: [family.name]) {
                let tokens = try sampler.encode(ModelPromptRendering.modelPrompt(prompt, style: style))
                if sampler.fits(tokens) {
                    items.append((familyIndex, prompt, tokens))
                } else {
                    skipped += 1
                }
            }
        }
        var figures = [EvaluationFigures](repeating: EvaluationFigures(), count: world.families.count)
        var generated = 0
        var promptScores: [(prompt: String, score: Double)] = []
        var start = 0
        while start < items.count {
            let batch = items[start..<min(start + batchSize, items.count)]
            var batchSettings = settings
            batchSettings.seed = RankingQueueFiller.promptSeed(runSeed: settings.seed, promptID: Int64(start))
            let responses = try sampler.sample(encoded: batch.map(\.tokens), count: 1, settings: batchSettings)
            for (item, response) in zip(batch, responses) {
                figures[item.family].add(response[0], to: item.prompt)
                promptScores.append((item.prompt.text, Oracle.score(item.prompt, response: response[0].text).total))
                generated += response[0].tokens.count
            }
            start += batch.count
            progress(start, items.count, generated)
        }
        return ModelEvaluation(
            checkpoint: checkpoint, style: style, split: split, settings: settings,
            families: zip(world.families, figures).map { ($0.name, $1) }, skippedTooLong: skipped,
            seconds: Double(DispatchTime.now().uptimeNanoseconds - started.uptimeNanoseconds) / 1e9,
            promptScores: promptScores)
    }
}
