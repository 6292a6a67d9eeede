/// The start screen: the queues with their counts and the labeler's own progress.
public final class HomeScreen: Screen {
    enum Entry: CaseIterable {
        case demonstrations, rankings, comparisons, arena, review
    }

    private var selected = 0
    private var entries: [Entry] = [.demonstrations, .rankings, .comparisons, .arena]

    public init() {}

    public var title: String { "Home" }

    public var bindings: [KeyBinding] {
        var keys = [
            KeyBinding("j/k ↑↓", "choose a queue"),
            KeyBinding("Enter", "open", hint: true),
            KeyBinding("d", "write demonstrations", hint: true, bar: "demo"),
            KeyBinding("r", "rank responses", hint: true, bar: "rank"),
            KeyBinding("c", "compare pairs", hint: true, bar: "compare"),
            KeyBinding("a", "arena votes", hint: true, bar: "arena"),
        ]
        if entries.contains(.review) {
            keys.append(KeyBinding("v", "review labels (admin)", hint: true, bar: "review"))
        }
        keys.append(KeyBinding("i", "instructions", hint: true))
        keys.append(KeyBinding("u", "undo last label", hint: true))
        keys.append(KeyBinding("q", "quit", hint: true))
        return keys
    }

    public func didAppear(context: LabelingContext) {
        entries = [.demonstrations, .rankings, .comparisons, .arena] + (context.service.isAdmin ? [.review] : [])
        selected = min(selected, entries.count - 1)
        context.refreshCounts()
    }

    public func handle(_ key: Key, context: LabelingContext) -> ScreenCommand {
        switch key {
        case .down, .character("j"), .tab:
            selected = (selected + 1) % entries.count
        case .up, .character("k"), .backTab:
            selected = (selected + entries.count - 1) % entries.count
        case .enter, .right, .character("l"):
            return open(entries[selected], context: context)
        case .character("d"): return open(.demonstrations, context: context)
        case .character("r"): return open(.rankings, context: context)
        case .character("c"): return open(.comparisons, context: context)
        case .character("a"): return open(.arena, context: context)
        case .character("v") where entries.contains(.review): return open(.review, context: context)
        default: return .unhandled
        }
        return .handled
    }

    private func name(of entry: Entry) -> String {
        switch entry {
        case .demonstrations: return "Demonstrations to write"
        case .rankings: return "Rankings to do"
        case .comparisons: return "Comparisons"
        case .arena: return "Arena votes"
        case .review: return "Review (admin)"
        }
    }

    private func open(_ entry: Entry, context: LabelingContext) -> ScreenCommand {
        switch entry {
        case .demonstrations: return .push(DemonstrateScreen())
        case .rankings: return .push(RankScreen())
        case .comparisons: return .push(CompareScreen())
        case .review: return .push(ReviewScreen())
        case .arena: return .push(ArenaScreen())
        }
    }

    public func draw(into grid: inout CellGrid, area: Rect, context: LabelingContext) {
        let counts = context.counts.counts
        var y = area.row + 1
        let left = area.column + 2
        grid.put("Hello, \(context.service.labelerName).", row: y, column: left, style: .heading)
        y += 2
        let nameWidth = max(24, min(32, area.width - 34))
        grid.put("Queue", row: y, column: left + 2, style: .muted)
        grid.put("waiting", row: y, column: left + 2 + nameWidth, style: .muted)
        grid.put("done by you", row: y, column: left + 2 + nameWidth + 10, style: .muted)
        y += 1
        for (index, entry) in entries.enumerated() {
            let (name, waiting, done) = describe(entry, counts: counts)
            let style: Style = index == selected ? .selected : .normal
            let rowWidth = min(area.width - 4, nameWidth + 24)
            grid.fill(row: y, column: left, width: rowWidth, height: 1, style: style)
            grid.put(index == selected ? "▸ " : "  ", row: y, column: left, style: style)
            grid.put(name, row: y, column: left + 2, style: style, limit: left + nameWidth)
            grid.put(waiting, row: y, column: left + 2 + nameWidth, style: style, limit: left + rowWidth)
            grid.put(done, row: y, column: left + 2 + nameWidth + 10, style: style, limit: left + rowWidth)
            y += 1
        }
        y += 1
        let total =
            counts.map { "\($0.demonstrationsDone + $0.rankingsDone + $0.comparisonsDone + $0.arenaDone)" } ?? "…"
        grid.put("Your labels so far: \(total)", row: y, column: left, style: .bold)
        y += 2
        let version = context.instructions.version
        grid.put(
            "Instructions version \(version) — press i to read them again.", row: y, column: left,
            style: .muted, limit: area.column + area.width)
    }

    private func describe(_ entry: Entry, counts: QueueSummary?) -> (String, String, String) {
        switch (entry, counts) {
        case (.review, _): return (name(of: entry), "", "")
        case (_, nil): return (name(of: entry), "…", "…")
        case (.demonstrations, let counts?):
            return (name(of: entry), "\(counts.demonstrationsWaiting)", "\(counts.demonstrationsDone)")
        case (.rankings, let counts?): return (name(of: entry), "\(counts.rankingsWaiting)", "\(counts.rankingsDone)")
        case (.comparisons, let counts?):
            return (name(of: entry), "\(counts.comparisonsWaiting)", "\(counts.comparisonsDone)")
        case (.arena, let counts?): return (name(of: entry), "\(counts.arenaWaiting)", "\(counts.arenaDone)")
        }
    }
}
