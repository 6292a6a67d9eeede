import Foundation
import TallyEngine
import TallyStore

/// Fills the ranking queue: samples K responses to each prompt from a model and stores them, with the
/// checkpoint, the sampling parameters and the seed that produced them, as one ranking task per prompt.
///
/// Each prompt's K responses are sampled in one batch with their own seed, derived from the run's seed
/// and the prompt's id, and committed in one transaction: `seed` and the stored parameters reproduce
/// them exactly, and an interrupted run loses at most the prompt in flight.
///
/// ```swift
/// let filler = RankingQueueFiller(database: database, sampler: sampler, checkpointID: base.id,
///                                 responsesPerPrompt: 4, settings: settings)
/// let report = try filler.fill(prompts, render: { .continuation("User: \($0)\nAssistant:") })
/// ```
public struct RankingQueueFiller {
    /// What one run did.
    public struct Report: Sendable, Equatable {
        /// Prompts that got a ranking task.
        public var prompts = 0
        /// Responses stored.
        public var responses = 0
        /// Tokens generated, stop tokens included.
        public var generatedTokens = 0
        /// Responses the model ended itself (the others hit the token budget).
        public var stoppedResponses = 0
        /// Prompts left out because they do not fit the model's context.
        public var tooLong: [Int64] = []

        /// An empty report.
        public init() {}
    }

    /// The workspace database the responses go to.
    public let database: TallyDatabase
    /// The model and tokenizer that write them.
    public let sampler: ResponseSampler
    /// The workspace checkpoint the sampler's model is, recorded with each response (nil for a model
    /// from outside the workspace).
    public let checkpointID: Int64?
    /// K: responses per prompt (2–9, what a ranking task holds).
    public let responsesPerPrompt: Int
    /// How tokens are drawn; `seed` is the run's seed, from which each prompt's seed is derived.
    public let settings: SamplingSettings

    /// A filler; `settings.seed` is the run's seed.
    public init(
        database: TallyDatabase, sampler: ResponseSampler, checkpointID: Int64?, responsesPerPrompt: Int,
        settings: SamplingSettings
    ) {
        self.database = database
        self.sampler = sampler
        self.checkpointID = checkpointID
        self.responsesPerPrompt = responsesPerPrompt
        self.settings = settings
    }

    /// The seed of one prompt's K samples: the run's seed mixed with the prompt's id, kept to 63 bits so
    /// that the store's signed column holds it unchanged.
    public static func promptSeed(runSeed: UInt64, promptID: Int64) -> UInt64 {
        var mixed = runSeed &+ 0x9E37_79B9_7F4A_7C15 &* UInt64(bitPattern: promptID &+ 1)
        mixed = (mixed ^ (mixed >> 30)) &* 0xBF58_476D_1CE4_E5B9
        mixed = (mixed ^ (mixed >> 27)) &* 0x94D0_49BB_1331_11EB
        return (mixed ^ (mixed >> 31)) & 0x7FFF_FFFF_FFFF_FFFF
    }

    /// The sampling parameters as the store records them.
    public var storedParameters: SamplingParameters {
        SamplingParameters(
            temperature: Double(settings.temperature), topP: Double(settings.topP),
            topK: settings.topK == 0 ? nil : settings.topK, maxNewTokens: settings.maxNewTokens)
    }

    /// Samples and stores K responses for each prompt in order, queued for ranking; `progress` is called
    /// after each prompt with the number of prompts handled and the report so far.
    public func fill(
        _ prompts: [Prompt], render: (PromptContent) -> ModelPrompt,
        progress: ((Int, Report) -> Void)? = nil
    ) throws -> Report {
        guard (2...9).contains(responsesPerPrompt) else {
            throw SamplerError("a ranking task holds 2 to 9 responses; K = \(responsesPerPrompt) cannot be queued")
        }
        var report = Report()
        for (index, prompt) in prompts.enumerated() {
            let tokens = try sampler.encode(render(prompt.content))
            guard sampler.fits(tokens) else {
                report.tooLong.append(prompt.id)
                progress?(index + 1, report)
                continue
            }
            let seed = Self.promptSeed(runSeed: settings.seed, promptID: prompt.id)
            var promptSettings = settings
            promptSettings.seed = seed
            let responses = try sampler.sample(encoded: [tokens], count: responsesPerPrompt, settings: promptSettings)[
                0]
            try database.insertResponses(
                promptID: prompt.id, texts: responses.map(\.text), origin: .model, checkpointID: checkpointID,
                sampling: storedParameters, seed: Int64(seed), queueAs: .ranking)
            report.prompts += 1
            report.responses += responses.count
            report.generatedTokens += responses.reduce(0) { $0 + $1.tokens.count }
            report.stoppedResponses += responses.filter(\.stopped).count
            progress?(index + 1, report)
        }
        return report
    }
}
