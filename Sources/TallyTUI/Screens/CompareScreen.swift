import Foundation

/// Pairwise comparison: two responses side by side (stacked on narrow terminals), a verdict
/// (A / B / tie / both bad) and how strong the preference is.
public final class CompareScreen: Screen {
    public private(set) var task: ComparisonItem?
    public private(set) var choice: ComparisonChoice?
    public private(set) var strength = 2
    private var pair = ResponsePairView()
    private var startedAt = Date()
    private var loaded = false
    /// What the screen waits for (loading, saving), shown to the labeler; nil when idle. Keys typed
    /// meanwhile are kept and applied when it is done.
    public var waitingFor: String? { pending.waitingFor }
    private var pending = PendingWork()

    public static let strengthNames = [1: "slightly", 2: "clearly", 3: "much"]

    public init() {}

    public var title: String {
        guard let task else { return "Compare" }
        return "Compare · prompt #\(task.promptID)"
    }

    public var bindings: [KeyBinding] {
        [
            KeyBinding("a ←", "A is better", hint: true, bar: "A"),
            KeyBinding("b →", "B is better", hint: true, bar: "B"),
            KeyBinding("t", "tie", hint: true),
            KeyBinding("x", "both bad", hint: true),
            KeyBinding("1 2 3", "slightly / clearly / much better", hint: true, bar: "strength"),
            KeyBinding("j/k PgDn/PgUp", "scroll both"),
            KeyBinding("s Enter", "submit", hint: true),
        ]
    }

    public func didAppear(context: LabelingContext) {
        if !loaded { loadNext(context: context) }
    }

    public func labelsChanged(context: LabelingContext) {
        loadNext(context: context)
    }

    /// Claims the next comparison in the background; the screen shows it when it arrives.
    func loadNext(context: LabelingContext) {
        loaded = true
        pending.begin("Loading the next comparison…")
        let service = context.service
        context.writer.run({ try service.nextComparison() }) { [weak self] result in
            self?.install(result, context: context)
        }
    }

    private func install(_ result: Result<ComparisonItem?, Error>, context: LabelingContext) {
        switch result {
        case .success(let next): task = next
        case .failure(let error):
            context.report(error, while: "load the next comparison")
            task = nil
        }
        choice = nil
        strength = 2
        pair = ResponsePairView()
        startedAt = context.now()
        for key in pending.finish() { _ = handle(key, context: context) }
    }

    public func handle(_ key: Key, context: LabelingContext) -> ScreenCommand {
        if let held = pending.hold(key, backOutKeys: [.escape, .control("q"), .character("q")]) { return held }
        guard let task else {
            if key == .character("n") || key == .enter {
                loadNext(context: context)
                return .handled
            }
            return .unhandled
        }
        switch key {
        case .character("a"), .left, .character("h"): choice = .first
        case .character("b"), .right, .character("l"): choice = .second
        case .character("t"), .character("="): choice = .tie
        case .character("x"): choice = .bothBad
        case .character("1"), .character("2"), .character("3"):
            if case .character(let digit) = key, let value = digit.wholeNumberValue { strength = value }
        case .character("s"), .enter, .control("s"):
            submit(task, context: context)
        default:
            guard pair.scroll(key) else { return .unhandled }
        }
        return .handled
    }

    private func submit(_ task: ComparisonItem, context: LabelingContext) {
        guard let choice else {
            context.notify("Choose a (A better), b (B better), t (tie) or x (both bad) first.", .warning)
            return
        }
        let submission = ComparisonSubmission(
            assignmentID: task.assignmentID, promptID: task.promptID, firstResponseID: task.first.responseID,
            secondResponseID: task.second.responseID,
            choice: choice, strength: choice == .first || choice == .second ? strength : 0,
            instructionVersion: context.instructions.version,
            secondsSpent: context.now().timeIntervalSince(startedAt))
        // Commit in the background, then claim the next comparison.
        pending.begin("Saving…")
        let service = context.service
        context.writer.run({ () -> Result<ComparisonItem?, Error> in
            try service.submit(submission)
            return Result { try service.nextComparison() }
        }) { [weak self] result in
            guard let self else { return }
            switch result {
            case .success(let next):
                context.notify("Saved comparison for prompt #\(task.promptID). (u undoes)", .success)
                self.install(next, context: context)
            case .failure(let error):
                self.pending.fail()
                context.report(error, while: "save the comparison")
            }
        }
    }

    var verdict: String {
        guard let choice else { return "no verdict yet" }
        let how = Self.strengthNames[strength] ?? ""
        switch choice {
        case .first: return "A is \(how) better"
        case .second: return "B is \(how) better"
        case .tie: return "tie"
        case .bothBad: return "both bad"
        }
    }

    public func draw(into grid: inout CellGrid, area: Rect, context: LabelingContext) {
        guard let task else {
            pending.drawPlaceholder(
                empty: "No comparisons are waiting for you. Press q to go back, n to look again.", into: &grid,
                area: area)
            return
        }
        pair.draw(
            into: &grid, area: area, conversation: task.conversation,
            status: "Verdict: " + verdict + (waitingFor.map { " · " + $0 } ?? ""), statusStyle: .accent,
            first: .init(heading: "Response A", text: task.first.text, highlighted: choice == .first),
            second: .init(heading: "Response B", text: task.second.text, highlighted: choice == .second))
    }
}
