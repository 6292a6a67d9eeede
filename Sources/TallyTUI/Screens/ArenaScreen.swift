import Foundation

/// Arena votes: a prompt and two anonymous responses, A on the left and B on the right (stacked on narrow
/// terminals), voted on with one key. Blind until the vote: the models behind A and B are shown only once the
/// vote is stored, and a vote cannot be undone (the names have been seen).
public final class ArenaScreen: Screen {
    public private(set) var battle: ArenaItem?
    /// The models behind A and B, once the labeler voted on `battle`.
    public private(set) var reveal: ArenaReveal?
    /// The vote cast on `battle`, shown beside the reveal.
    public private(set) var choice: ComparisonChoice?
    private var pair = ResponsePairView()
    private var startedAt = Date()
    private var loaded = false
    /// What the screen waits for (loading, saving), shown to the labeler; nil when idle.
    public var waitingFor: String? { pending.waitingFor }
    private var pending = PendingWork()

    public init() {}

    public var title: String {
        guard let battle else { return "Arena" }
        return "Arena · prompt #\(battle.promptID)"
    }

    public var bindings: [KeyBinding] {
        [
            KeyBinding("a", "vote: A (left) is better", hint: true, bar: "A"),
            KeyBinding("b", "vote: B (right) is better", hint: true, bar: "B"),
            KeyBinding("t", "vote: tie", hint: true, bar: "tie"),
            KeyBinding("x", "vote: both bad", hint: true, bar: "both bad"),
            KeyBinding("n", "skip: this battle comes back later", hint: true, bar: "skip"),
            KeyBinding("j/k PgDn/PgUp", "scroll both"),
            KeyBinding("any key", "after a vote: the next battle (j/k still scroll)"),
            KeyBinding("u", "nothing here: a vote cannot be undone (the names were shown)"),
        ]
    }

    public func didAppear(context: LabelingContext) {
        if !loaded { loadNext(context: context) }
    }

    /// Undo never touches arena votes: keep the battle on screen.
    public func labelsChanged(context: LabelingContext) {}

    /// Takes the next battle in the background (held for this labeler until they vote or skip it).
    func loadNext(context: LabelingContext) {
        loaded = true
        pending.begin("Loading the next battle…")
        let service = context.service
        context.writer.run({ try service.nextArenaBattle() }) { [weak self] result in
            self?.install(result, context: context)
        }
    }

    private func install(_ result: Result<ArenaItem?, Error>, context: LabelingContext) {
        switch result {
        case .success(let next): battle = next
        case .failure(let error):
            context.report(error, while: "load the next battle")
            battle = nil
        }
        reveal = nil
        choice = nil
        pair = ResponsePairView()
        startedAt = context.now()
        // Keys typed while the battle loaded are dropped, not applied: a vote must follow seeing the battle.
        _ = pending.finish()
    }

    public func handle(_ key: Key, context: LabelingContext) -> ScreenCommand {
        if let held = pending.hold(key, backOutKeys: [.escape, .control("q"), .character("q")]) { return held }
        guard let battle else {
            if key == .character("n") || key == .enter {
                loadNext(context: context)
                return .handled
            }
            return .unhandled
        }
        if key == .character("u") {
            context.notify("Arena votes cannot be undone: the names were shown after the vote.", .warning)
            return .handled
        }
        if reveal != nil {
            switch key {
            case .escape, .character("q"), .character("?"), .character("i"): return .unhandled
            default:
                guard !pair.scroll(key) else { return .handled }
                loadNext(context: context)
                return .handled
            }
        }
        switch key {
        case .character("a"): vote(.first, on: battle, context: context)
        case .character("b"): vote(.second, on: battle, context: context)
        case .character("t"): vote(.tie, on: battle, context: context)
        case .character("x"): vote(.bothBad, on: battle, context: context)
        case .character("n"): skip(battle, context: context)
        default:
            guard pair.scroll(key) else { return .unhandled }
        }
        return .handled
    }

    /// Stores the vote in the background, then shows who wrote A and B.
    private func vote(_ choice: ComparisonChoice, on battle: ArenaItem, context: LabelingContext) {
        let submission = ArenaVoteSubmission(
            battleID: battle.battleID, choice: choice, instructionVersion: context.instructions.version,
            secondsSpent: context.now().timeIntervalSince(startedAt))
        pending.begin("Saving your vote…")
        let service = context.service
        context.writer.run({ try service.vote(submission) }) { [weak self] result in
            guard let self else { return }
            switch result {
            case .success(let reveal):
                self.choice = choice
                self.reveal = reveal
                _ = self.pending.finish()  // keys typed while saving must not skip past the reveal
                context.refreshCounts()
            case .failure(let error):
                self.pending.fail()
                context.report(error, while: "save the vote")
            }
        }
    }

    /// Puts the battle back behind the others and takes the next one.
    private func skip(_ battle: ArenaItem, context: LabelingContext) {
        pending.begin("Skipping…")
        let service = context.service
        context.writer.run({ () -> Result<ArenaItem?, Error> in
            try service.skipArenaBattle(battleID: battle.battleID)
            return Result { try service.nextArenaBattle() }
        }) { [weak self] result in
            guard let self else { return }
            switch result {
            case .success(let next):
                let sameAgain = (try? next.get())??.battleID == battle.battleID
                context.notify(
                    sameAgain
                        ? "Skipped; no other battle is waiting, so here it is again."
                        : "Skipped; that battle comes back after the others.", .info)
                self.install(next, context: context)
            case .failure(let error):
                self.pending.fail()
                context.report(error, while: "skip the battle")
            }
        }
    }

    /// The rule between the prompt and the responses: what to do, or after the vote, who wrote what.
    var status: String {
        if let waitingFor { return waitingFor }
        guard let reveal else {
            return "Which is better? a: A · b: B · t: tie · x: both bad"
                + (battle?.skippedBefore == true ? " · (skipped before)" : "")
        }
        let voted: String
        switch choice {
        case .first: voted = "You voted A. "
        case .second: voted = "You voted B. "
        case .tie: voted = "You voted tie. "
        case .bothBad: voted = "You voted both bad. "
        case nil: voted = ""
        }
        return voted + "A was \(reveal.leftModel) · B was \(reveal.rightModel) — any key for the next battle"
    }

    public func draw(into grid: inout CellGrid, area: Rect, context: LabelingContext) {
        guard let battle else {
            pending.drawPlaceholder(
                empty: "No arena battles are waiting for you. q: back · n: look again", into: &grid, area: area)
            return
        }
        func heading(_ side: String, _ model: String?) -> String {
            "Response \(side)" + (model.map { " · " + $0 } ?? "")
        }
        pair.draw(
            into: &grid, area: area, conversation: battle.conversation, status: status,
            statusStyle: reveal == nil ? .accent : .success,
            first: .init(heading: heading("A", reveal?.leftModel), text: battle.left, highlighted: choice == .first),
            second: .init(
                heading: heading("B", reveal?.rightModel), text: battle.right, highlighted: choice == .second))
    }
}
