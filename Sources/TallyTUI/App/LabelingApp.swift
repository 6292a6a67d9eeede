import Foundation

/// The labeling program without a terminal: a stack of screens, the global keys, the title bar, the notice
/// line, the hint bar and the `?` overlay. A backend feeds it keys and paints the grid it renders.
///
/// ```swift
/// let app = try LabelingApp(service: service, drafts: DraftBoard(drafter: nil))
/// app.handle(.character("r"))            // open the ranking queue
/// var grid = CellGrid(width: 80, height: 24)
/// app.render(into: &grid)
/// ```
public final class LabelingApp {
    public let context: LabelingContext
    public private(set) var stack: [any Screen] = []
    public private(set) var isRunning = true
    public private(set) var showsHelp = false
    private var lastDraftChange = 0
    private var lastCountsChange = 0

    /// Opens on Home, with the instructions on top when this labeler has not seen their current version.
    public init(service: LabelingService, drafts: DraftBoard) throws {
        context = try LabelingContext(service: service, drafts: drafts)
        let home = HomeScreen()
        stack = [home]
        home.didAppear(context: context)
        let version = context.instructions.version
        if !((try? service.hasSeenInstructions(version: version)) ?? true) {
            push(InstructionsScreen(firstUse: true))
        }
    }

    public var top: any Screen { stack[stack.count - 1] }

    // MARK: Keys

    /// Applies one key. Returns whether the program keeps running.
    @discardableResult
    public func handle(_ key: Key) -> Bool {
        if key == .resize { return isRunning }
        if showsHelp {
            showsHelp = false
            return isRunning
        }
        if key == .control("q") {
            quit()
            return false
        }
        if key == .function(1) {
            showsHelp = true
            return isRunning
        }
        let screen = top
        switch screen.handle(key, context: context) {
        case .handled: break
        case .back: back()
        case .push(let next): push(next)
        case .replace(let next):
            screen.willClose(context: context)
            stack[stack.count - 1] = next
            next.didAppear(context: context)
        case .quit: quit()
        case .unhandled: handleGlobal(key, capturesText: screen.capturesText)
        }
        return isRunning
    }

    private func handleGlobal(_ key: Key, capturesText: Bool) {
        switch key {
        case .escape: back()
        case .character("q") where !capturesText: back()
        case .character("?") where !capturesText: showsHelp = true
        case .character("i") where !capturesText:
            if !(top is InstructionsScreen) { push(InstructionsScreen(firstUse: false)) }
        case .character("u") where !capturesText: undoLastSubmission()
        default: break
        }
    }

    func undoLastSubmission() {
        let service = context.service
        context.notify("Undoing your last label…", .info)
        context.writer.run({ try service.undoLastSubmission() }) { [self] result in
            switch result {
            case .success(let description?):
                context.notify("Undone: \(description)", .success)
                for screen in stack { screen.labelsChanged(context: context) }
            case .success(nil):
                context.notify("Nothing to undo: you have no submitted labels.", .warning)
            case .failure(let error):
                context.report(error, while: "undo the last label")
            }
        }
    }

    public func push(_ screen: any Screen) {
        stack.append(screen)
        screen.didAppear(context: context)
    }

    /// Leaves the top screen; leaving Home ends the program.
    public func back() {
        let leaving = stack.removeLast()
        leaving.willClose(context: context)
        if stack.isEmpty {
            context.writer.finish(timeout: 60)
            stack.append(HomeScreen())  // keeps `top` valid for a last render
            isRunning = false
        } else {
            top.didAppear(context: context)
        }
    }

    /// Ends the program, letting every screen save first (also used on hang-up and termination signals).
    public func quit() {
        for screen in stack.reversed() { screen.willClose(context: context) }
        // Every autosave and submission in flight commits before the program ends.
        context.writer.finish(timeout: 60)
        stack.removeAll(keepingCapacity: true)
        stack.append(HomeScreen())
        isRunning = false
    }

    /// Periodic work: background drafts finishing, autosave, expiring notices. Returns whether to redraw.
    public func tick() -> Bool {
        var redraw = context.writer.deliverCompletions()
        if context.expireNotice() { redraw = true }
        let change = context.drafts.changeCount
        if change != lastDraftChange {
            lastDraftChange = change
            redraw = true
            for failure in context.drafts.takeFailures() {
                context.notify("No draft: \(failure)", .warning, seconds: 6)
            }
        }
        let countsChange = context.counts.changeCount
        if countsChange != lastCountsChange {
            lastCountsChange = countsChange
            redraw = true
            if let failure = context.counts.takeFailure() {
                context.notify("Could not count the queues: \(failure)", .error, seconds: 8)
            }
        }
        if context.drafts.hasPendingJobs { redraw = true }
        if top.tick(context: context) { redraw = true }
        return redraw
    }

    // MARK: Drawing

    /// Draws the whole screen: title bar, the top screen, the notice line, the hint bar, and help if open.
    public func render(into grid: inout CellGrid) {
        grid.clear()
        let width = grid.width
        let height = grid.height
        guard width >= 20, height >= 6 else {
            grid.put("Terminal too small", row: 0, column: 0, style: .warning)
            return
        }
        let screen = top
        grid.fill(row: 0, column: 0, width: width, height: 1, style: Style(.accent, reverse: true))
        let titleText = " tally label · \(screen.title)"
        grid.put(titleText, row: 0, column: 0, style: Style(.accent, bold: true, reverse: true), limit: width)
        let role = context.service.isAdmin ? " (admin)" : ""
        let who = "\(context.service.labelerName)\(role) · instructions v\(context.instructions.version) "
        let whoWidth = DisplayWidth.of(who)
        if DisplayWidth.of(titleText) + whoWidth + 2 <= width {
            grid.put(who, row: 0, column: width - whoWidth, style: Style(.accent, reverse: true))
        }

        let content = Rect(row: 1, column: 0, width: width, height: height - 3)
        screen.draw(into: &grid, area: content, context: context)

        if let notice = context.notice {
            let style: Style
            switch notice.level {
            case .info: style = Style(.normal)
            case .success: style = .success
            case .warning: style = .warning
            case .error: style = .danger
            }
            grid.fill(row: height - 2, column: 0, width: width, height: 1)
            grid.put(
                " " + TextLayout.truncate(notice.text, width: width - 2), row: height - 2, column: 0,
                style: style)
        }
        drawHintBar(into: &grid, bindings: screen.bindings, row: height - 1)
        if showsHelp { drawHelp(into: &grid, screen: screen) }
    }

    private func drawHintBar(into grid: inout CellGrid, bindings: [KeyBinding], row: Int) {
        grid.fill(row: row, column: 0, width: grid.width, height: 1, style: .hintText)
        // The way to the full list of keys is always shown, at the right end.
        let helpKey = top.capturesText ? "F1" : "?"
        let helpColumn = grid.width - DisplayWidth.of(helpKey) - 6
        grid.put(helpKey, row: row, column: helpColumn, style: .hintKey)
        grid.put(" help", row: row, column: helpColumn + DisplayWidth.of(helpKey), style: .hintText)
        var x = 0
        for binding in bindings where binding.inHintBar {
            let needed = DisplayWidth.of(binding.keys) + DisplayWidth.of(binding.barText) + 3
            if x + needed > helpColumn { break }
            x = grid.put(binding.keys, row: row, column: x, style: .hintKey)
            x = grid.put(" " + binding.barText + "  ", row: row, column: x, style: .hintText)
        }
    }

    private func drawHelp(into grid: inout CellGrid, screen: any Screen) {
        var rows = screen.bindings.map { ($0.keys, $0.action) }
        rows.append(("", ""))
        var global = [(screen.capturesText ? "F1" : "? / F1", "this help")]
        if !screen.capturesText {
            global.append(("i", "instructions"))
            global.append(("u", "undo your last submitted label"))
            global.append(("q / Esc", "back (quit on Home)"))
        } else {
            global.append(("Esc", "back (your text is kept)"))
        }
        global.append(("C-q", "quit (everything is saved)"))
        // A key the screen gives a meaning of its own is listed once, with the screen's meaning.
        let own = Set(screen.bindings.map(\.keys))
        rows += global.filter { !own.contains($0.0) }
        let keyWidth = min(18, rows.map { DisplayWidth.of($0.0) }.max() ?? 0)
        let boxWidth = min(grid.width - 2, max(40, keyWidth + 3 + (rows.map { DisplayWidth.of($0.1) }.max() ?? 0) + 4))
        let boxHeight = min(grid.height - 2, rows.count + 4)
        let left = (grid.width - boxWidth) / 2
        let topRow = max(1, (grid.height - boxHeight) / 2)
        Box.draw(
            into: &grid, rect: Rect(row: topRow, column: left, width: boxWidth, height: boxHeight),
            title: "Keys: \(screen.title)", style: .accent)
        for (index, row) in rows.prefix(boxHeight - 4).enumerated() {
            let y = topRow + 1 + index
            grid.putPadded(row.0, row: y, column: left + 2, width: keyWidth, style: .bold)
            grid.put(row.1, row: y, column: left + 3 + keyWidth, style: .normal, limit: left + boxWidth - 2)
        }
        grid.put("any key closes", row: topRow + boxHeight - 2, column: left + 2, style: .muted)
    }
}

/// Frames drawn with box-drawing characters.
public enum Box {
    /// Draws a frame (clearing its inside) with an optional title in the top edge.
    public static func draw(into grid: inout CellGrid, rect: Rect, title: String? = nil, style: Style = .muted) {
        guard rect.width >= 2, rect.height >= 2 else { return }
        grid.fill(row: rect.row, column: rect.column, width: rect.width, height: rect.height)
        let right = rect.column + rect.width - 1
        let bottom = rect.row + rect.height - 1
        for x in (rect.column + 1)..<right {
            grid.put("─", row: rect.row, column: x, style: style)
            grid.put("─", row: bottom, column: x, style: style)
        }
        for y in (rect.row + 1)..<bottom {
            grid.put("│", row: y, column: rect.column, style: style)
            grid.put("│", row: y, column: right, style: style)
        }
        grid.put("┌", row: rect.row, column: rect.column, style: style)
        grid.put("┐", row: rect.row, column: right, style: style)
        grid.put("└", row: bottom, column: rect.column, style: style)
        grid.put("┘", row: bottom, column: right, style: style)
        if let title {
            grid.put(
                " " + TextLayout.truncate(title, width: rect.width - 6) + " ", row: rect.row,
                column: rect.column + 2, style: style.with(bold: true), limit: right)
        }
    }

    /// A horizontal rule with a label: `── Your response ─────`.
    public static func rule(
        into grid: inout CellGrid, row: Int, column: Int, width: Int, label: String,
        style: Style = .muted
    ) {
        grid.fill(row: row, column: column, width: width, height: 1, character: "─", style: style)
        grid.put(
            " " + TextLayout.truncate(label, width: max(0, width - 6)) + " ", row: row, column: column + 2,
            style: style.with(bold: true), limit: column + width)
    }
}
