import TallyStore
import TallyTrain
import TallyWorld

/// Who judges a battle: the task world's oracle or a reward model, which decide at once, or people, whose battles
/// wait in `tally label`'s Arena screen (``ArenaTournament`` queues them instead of deciding).
///
/// ```swift
/// let judge = ArenaJudge.oracle
/// let outcome = try judge.decide(prompt: .text("What is 2 + 3?"), responseA: "5", responseB: "I don't know")
/// ```
public enum ArenaJudge {
    /// The oracle: the higher rubric total wins, equal totals tie, and two responses below the rubric's acceptable
    /// mark are both bad.
    case oracle
    /// A reward model named `name`: the higher score wins; scores within `tieMargin` of each other tie.
    case rewardModel(RewardScorer, name: String, tieMargin: Double)
    /// People voting blind in the TUI's Arena screen; their votes are stored as `human:LABELER`.
    case human

    /// The judge's kind as stored.
    public var kind: ArenaJudgeKind {
        switch self {
        case .oracle: .oracle
        case .rewardModel: .rm
        case .human: .human
        }
    }

    /// The judge's name as stored and exported: `oracle` or `rm:NAME`; `human` for people (each vote is stored
    /// under its labeler's name, `human:NAME`).
    public var name: String {
        switch self {
        case .oracle: "oracle"
        case .rewardModel(_, let name, _): "rm:" + name
        case .human: "human"
        }
    }

    /// The verdict on two responses to `prompt`, seen from A.
    /// - Throws: ``ArenaBattleError/notAWorldPrompt(_:)`` when the oracle does not recognise the prompt;
    ///   ``ArenaBattleError/judgedByPeople`` for ``human``, whose battles are queued, not decided here.
    public func decide(prompt: PromptContent, responseA: String, responseB: String) throws -> BattleOutcome {
        switch self {
        case .oracle:
            let text = prompt.lastUserText
            guard let worldPrompt = World.standard.recognize(text) else {
                throw ArenaBattleError.notAWorldPrompt(String(text.prefix(60)))
            }
            let a = Oracle.score(worldPrompt, response: responseA)
            let b = Oracle.score(worldPrompt, response: responseB)
            return Self.compare(a.total, b.total, margin: 0, bothBad: !a.isAcceptable && !b.isAcceptable)
        case .rewardModel(let scorer, _, let tieMargin):
            let a = try scorer.score(prompt: prompt, response: responseA).score
            let b = try scorer.score(prompt: prompt, response: responseB).score
            return Self.compare(a, b, margin: tieMargin, bothBad: false)
        case .human:
            throw ArenaBattleError.judgedByPeople
        }
    }

    /// `a` against `b`: both bad first, then a tie within `margin`, else the higher wins.
    static func compare(_ a: Double, _ b: Double, margin: Double, bothBad: Bool) -> BattleOutcome {
        if bothBad { return .bothBad }
        if abs(a - b) <= margin { return .tie }
        return a > b ? .modelA : .modelB
    }
}

/// What can stop `tally arena battle`; each description names the thing and the fix.
public enum ArenaBattleError: Error, CustomStringConvertible, Equatable, Sendable {
    /// Fewer than two models.
    case tooFewModels
    /// The same model named twice.
    case duplicateModel(String)
    /// No prompts to battle on.
    case noPrompts(String)
    /// The oracle cannot judge a prompt outside the task world.
    case notAWorldPrompt(String)
    /// People's battles are voted on in the TUI, not decided by a program.
    case judgedByPeople

    public var description: String {
        switch self {
        case .tooFewModels: "a battle needs at least two models (--models a,b)"
        case .duplicateModel(let name): "model \"\(name)\" is named twice in --models"
        case .noPrompts(let which):
            "there are no \(which) prompts; add some with `tally world prompts` and `tally import prompts`"
        case .notAWorldPrompt(let text):
            "the oracle cannot judge \"\(text)…\": it is not a task-world prompt (use --judge rm:CHECKPOINT)"
        case .judgedByPeople:
            "people judge these battles in the Arena screen of `tally label`; queue them with --judge human"
        }
    }
}
