import Foundation
import TallyEngine
import TallyStore
import TallyTrain

/// A model that battles: a workspace checkpoint, loaded for sampling.
public struct ArenaContestant {
    /// The checkpoint's name, which the leaderboard shows.
    public var name: String
    /// The checkpoint's id in the workspace.
    public var checkpointID: Int64
    /// Its sampler.
    public var sampler: ResponseSampler
    /// How prompts are put to it (transcript for a base model, chat otherwise).
    public var style: PromptStyle

    public init(name: String, checkpointID: Int64, sampler: ResponseSampler, style: PromptStyle) {
        self.name = name
        self.checkpointID = checkpointID
        self.sampler = sampler
        self.style = style
    }
}

/// Battles between workspace checkpoints on stored prompts, judged by the oracle or a reward model, or queued for
/// people to judge in `tally label`'s Arena screen (``ArenaJudge/human``).
///
/// Every pair of models meets on `perPair` prompts (pair k takes the prompts from k·perPair on, wrapping round,
/// so the prompts are spread evenly over the pairs). Each model's response to a prompt is sampled once per run
/// (seed: ``RankingQueueFiller/promptSeed(runSeed:promptID:)``) and stored with its settings and seed; a response
/// the same checkpoint already gave to the same prompt with the same settings and seed is reused. Each battle
/// puts model A's response on the left or the right at random (recorded); the judge sees only left and right.
/// The battles are stored together at the end: judged, or (for people) waiting for a vote without an outcome, an
/// item already waiting not queued twice.
///
/// ```swift
/// let tournament = ArenaTournament(database: database, contestants: [base, sft], judge: .oracle,
///                                  perPair: 20, settings: SamplingSettings(maxNewTokens: 64, seed: 1))
/// let report = try tournament.run(prompts: try database.prompts(split: .eval))
/// ```
public struct ArenaTournament {
    /// What a run did.
    public struct Report: Sendable, Equatable {
        /// The judged battles stored, in order (none when people judge).
        public var battles: [ArenaBattleRecord] = []
        /// The ids of the battles queued for people's votes, in order.
        public var queued: [Int64] = []
        /// Battles not queued because the same item was already waiting for a vote.
        public var alreadyWaiting = 0
        /// Responses sampled now.
        public var sampled = 0
        /// Responses reused from earlier runs.
        public var reused = 0
        /// Battles left out because a prompt was too long for one of the models.
        public var skippedTooLong = 0
    }

    public let database: TallyDatabase
    public let contestants: [ArenaContestant]
    public let judge: ArenaJudge
    public let perPair: Int
    public let settings: SamplingSettings

    public init(
        database: TallyDatabase, contestants: [ArenaContestant], judge: ArenaJudge, perPair: Int,
        settings: SamplingSettings
    ) {
        self.database = database
        self.contestants = contestants
        self.judge = judge
        self.perPair = perPair
        self.settings = settings
    }

    /// The battles to fight: for each pair of models (in order), the indices of its prompts.
    public static func schedule(models: Int, prompts: Int, perPair: Int) -> [(a: Int, b: Int, prompt: Int)] {
        guard prompts > 0, perPair > 0 else { return [] }
        var battles: [(a: Int, b: Int, prompt: Int)] = []
        var pairIndex = 0
        for a in 0..<models {
            for b in (a + 1)..<max(models, a + 1) {
                for step in 0..<perPair { battles.append((a, b, (pairIndex * perPair + step) % prompts)) }
                pairIndex += 1
            }
        }
        return battles
    }

    /// The sampling parameters stored beside each response.
    public var storedParameters: SamplingParameters {
        SamplingParameters(
            temperature: Double(settings.temperature), topP: Double(settings.topP),
            topK: settings.topK == 0 ? nil : settings.topK, maxNewTokens: settings.maxNewTokens)
    }

    /// Fights the battles on `prompts` and stores them. `progress` gets (battles done, battles in all).
    public func run(prompts: [Prompt], progress: ((Int, Int) -> Void)? = nil) throws -> Report {
        guard contestants.count >= 2 else { throw ArenaBattleError.tooFewModels }
        var names = Set<String>()
        for contestant in contestants where !names.insert(contestant.name).inserted {
            throw ArenaBattleError.duplicateModel(contestant.name)
        }
        guard !prompts.isEmpty else { throw ArenaBattleError.noPrompts("stored") }
        let schedule = Self.schedule(models: contestants.count, prompts: prompts.count, perPair: perPair)
        var report = Report()
        var responses: [ResponseKey: ResponseRecord?] = [:]  // nil: the prompt is too long for the model
        var sides = ArenaRandom(seed: settings.seed, stream: 0xA7E7A)
        let parameters = storedParameters

        func response(_ model: Int, _ prompt: Prompt) throws -> ResponseRecord? {
            let key = ResponseKey(model: model, prompt: prompt.id)
            if let known = responses[key] { return known }
            let contestant = contestants[model]
            let seed = RankingQueueFiller.promptSeed(runSeed: settings.seed, promptID: prompt.id)
            var found = try database.modelResponse(
                promptID: prompt.id, checkpointID: contestant.checkpointID, sampling: parameters, seed: Int64(seed))
            if found != nil {
                report.reused += 1
            } else {
                let tokens = try contestant.sampler.encode(
                    ModelPromptRendering.modelPrompt(prompt.content, style: contestant.style))
                if contestant.sampler.fits(tokens) {
                    var promptSettings = settings
                    promptSettings.seed = seed
                    let text = try contestant.sampler.sample(encoded: [tokens], count: 1, settings: promptSettings)[0][
                        0
                    ]
                    .text
                    let ids = try database.insertResponses(
                        promptID: prompt.id, texts: [text], origin: .model, checkpointID: contestant.checkpointID,
                        sampling: parameters, seed: Int64(seed), queueAs: nil)
                    found = try database.response(id: ids[0])
                    report.sampled += 1
                }
            }
            responses[key] = .some(found)
            return found
        }

        var setups: [ArenaBattleSetup] = []
        var battles: [ArenaBattleRecord] = []
        for (done, planned) in schedule.enumerated() {
            let prompt = prompts[planned.prompt]
            let leftSide: ComparisonOutcome = sides.int(below: 2) == 0 ? .a : .b
            guard let responseA = try response(planned.a, prompt), let responseB = try response(planned.b, prompt)
            else {
                report.skippedTooLong += 1
                progress?(done + 1, schedule.count)
                continue
            }
            let setup = ArenaBattleSetup(
                modelA: contestants[planned.a].name, modelB: contestants[planned.b].name,
                checkpointA: contestants[planned.a].checkpointID, checkpointB: contestants[planned.b].checkpointID,
                promptID: prompt.id, responseA: responseA.id, responseB: responseB.id, leftSide: leftSide,
                sampling: parameters, seed: Int64(settings.seed), source: "arena battle")
            if case .human = judge {
                setups.append(setup)
            } else {
                let (left, right) = leftSide == .a ? (responseA, responseB) : (responseB, responseA)
                let seenFromLeft = try judge.decide(prompt: prompt.content, responseA: left.text, responseB: right.text)
                let outcome = leftSide == .a ? seenFromLeft : seenFromLeft.swapped
                battles.append(
                    setup.judged(
                        outcome: StoredBattles.outcome(outcome), judgeKind: judge.kind, judge: judge.name,
                        votedAt: Date().timeIntervalSince1970))
            }
            progress?(done + 1, schedule.count)
        }
        if !setups.isEmpty {
            let queue = try database.queueArenaBattles(setups)
            report.queued = queue.queued
            report.alreadyWaiting = queue.alreadyWaiting
        }
        let ids = try database.recordArenaBattles(battles)
        for (index, id) in ids.enumerated() { battles[index].id = id }
        report.battles = battles
        return report
    }

    private struct ResponseKey: Hashable {
        var model: Int
        var prompt: Int64
    }
}
