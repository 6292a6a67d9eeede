import Foundation

/// Ranking: the prompt, its K responses (letters A…I, never model names), each with an optional critique;
/// the labeler orders them into tiers with single keys, ties allowed, and sets flags.
public final class RankScreen: Screen {
    enum Mode: Equatable { case normal, flagMenu, note(responseID: Int64?), fullScreen }

    public private(set) var task: RankingItem?
    public private(set) var state = RankingState(responseIDs: [])
    private var selected = 0
    private var mode = Mode.normal
    private var noteEditor = TextEditor()
    private var showCritiques = true
    private var detailScroll = ScrollState()
    private var promptScroll = ScrollState()
    private var detailViewHeight = 8
    private var startedAt = Date()
    private var loaded = false
    private var recordedCritiques: Set<Int64> = []
    /// What the screen waits for (loading, saving), shown to the labeler; nil when idle. Keys typed
    /// meanwhile are kept and applied when it is done.
    public var waitingFor: String? { pending.waitingFor }
    private var pending = PendingWork()

    public init() {}

    public var title: String {
        guard let task else { return "Rank" }
        return "Rank · prompt #\(task.promptID) · \(task.responses.count) responses"
    }

    public var capturesText: Bool {
        if case .note = mode { return true }
        return false
    }

    public var bindings: [KeyBinding] {
        switch mode {
        case .flagMenu:
            return [
                KeyBinding("h", "harmful", hint: true),
                KeyBinding("j", "jailbreak (prompt)", hint: true, bar: "jailbreak"),
                KeyBinding("p", "PII", hint: true), KeyBinding("s", "spam", hint: true),
                KeyBinding("e", "factual error", hint: true), KeyBinding("n", "note", hint: true),
                KeyBinding("Esc", "cancel", hint: true),
            ]
        case .note:
            return [KeyBinding("Enter", "save note", hint: true), KeyBinding("Esc", "cancel", hint: true)]
        case .normal, .fullScreen:
            return [
                KeyBinding("j/k ↑↓", "choose response", hint: true, bar: "move"),
                KeyBinding("1-9", "put in tier (same number = tie)", hint: true, bar: "tier"),
                KeyBinding("0 Bksp", "take out of its tier"),
                KeyBinding("x", "all unacceptable", hint: true, bar: "all bad"),
                KeyBinding("c", "critiques on/off", hint: true, bar: "critiques"),
                KeyBinding("f", "flag: harmful, jailbreak, PII, spam, factual error, note", hint: true, bar: "flag"),
                KeyBinding("n / N", "note on response / on prompt"),
                KeyBinding("z Enter", "full screen"),
                KeyBinding("J/K PgDn/PgUp", "scroll the response"),
                KeyBinding("[ ]", "scroll the prompt"),
                KeyBinding("s C-s", "submit", hint: true),
            ]
        }
    }

    public func didAppear(context: LabelingContext) {
        if !loaded { loadNext(context: context) }
    }

    public func labelsChanged(context: LabelingContext) {
        loadNext(context: context)
    }

    /// Stores critiques the drafter finished, so they are in the workspace beside the response.
    public func tick(context: LabelingContext) -> Bool {
        guard let task, let drafter = context.drafts.drafterAuthor else { return false }
        for response in task.responses
        where response.critique == nil && !recordedCritiques.contains(response.responseID) {
            guard case .ready(let text)? = context.drafts.state(of: .critique(responseID: response.responseID)) else {
                continue
            }
            recordedCritiques.insert(response.responseID)
            let service = context.service
            let promptID = task.promptID
            let responseID = response.responseID
            context.writer.run({
                try service.recordCritique(promptID: promptID, responseID: responseID, drafter: drafter, text: text)
            }) { result in
                if case .failure(let error) = result { context.report(error, while: "store a critique") }
            }
        }
        return false
    }

    /// Claims the next ranking in the background; the screen shows it when it arrives.
    func loadNext(context: LabelingContext) {
        loaded = true
        pending.begin("Loading the next ranking…")
        let service = context.service
        let depth = context.prefetchDepth
        context.writer.run({ try service.upcomingRankings(limit: depth) }) { [weak self] result in
            self?.install(result, context: context)
        }
    }

    private func install(_ result: Result<[RankingItem], Error>, context: LabelingContext) {
        switch result {
        case .success(let upcoming):
            for next in upcoming {
                context.drafts.requestCritiques(for: next, instructions: context.instructions.markdown)
            }
            task = upcoming.first
        case .failure(let error):
            context.report(error, while: "load the next ranking")
            task = nil
        }
        state = RankingState(responseIDs: task?.responses.map(\.responseID) ?? [])
        selected = 0
        mode = .normal
        detailScroll = ScrollState()
        promptScroll = ScrollState()
        startedAt = context.now()
        for key in pending.finish() { _ = handle(key, context: context) }
    }

    // MARK: Keys

    public func handle(_ key: Key, context: LabelingContext) -> ScreenCommand {
        if let held = pending.hold(key, backOutKeys: [.escape, .control("q"), .character("q")]) { return held }
        guard let task else {
            if key == .character("n") || key == .enter {
                loadNext(context: context)
                return .handled
            }
            return .unhandled
        }
        let current = task.responses[selected].responseID
        switch mode {
        case .flagMenu:
            mode = .normal
            switch key {
            case .character("h"): state.toggle(.harmful, responseID: current)
            case .character("j"): state.toggle(.jailbreak, responseID: nil)
            case .character("p"): state.toggle(.pii, responseID: current)
            case .character("s"): state.toggle(.spam, responseID: current)
            case .character("e"): state.toggle(.factualError, responseID: current)
            case .character("n"): startNote(for: current)
            default: break
            }
            return .handled
        case .note(let responseID):
            switch key {
            case .enter:
                state.setNote(noteEditor.text, responseID: responseID)
                mode = .normal
            case .escape:
                mode = .normal
            default:
                noteEditor.handle(key)
            }
            return .handled
        case .normal, .fullScreen:
            break
        }
        switch key {
        case .down, .character("j"), .tab:
            select(min(task.responses.count - 1, selected + 1))
        case .up, .character("k"), .backTab:
            select(max(0, selected - 1))
        case .character(let digit) where digit.isASCII && digit.isNumber:
            let tier = digit.wholeNumberValue ?? 0
            state.setTier(tier == 0 ? nil : tier, forResponseAt: selected)
            if tier != 0, mode == .normal,
                let next = (selected + 1..<task.responses.count).first(where: { state.tiers[$0] == nil })
                    ?? (0..<selected).first(where: { state.tiers[$0] == nil })
            {
                select(next)
            }
        case .backspace, .delete, .character("-"):
            state.setTier(nil, forResponseAt: selected)
        case .character("x"):
            state.allUnacceptable.toggle()
        case .character("c"):
            showCritiques.toggle()
        case .character("f"):
            mode = .flagMenu
        case .character("n"):
            startNote(for: current)
        case .character("N"):
            startNote(for: nil)
        case .enter, .character("z"):
            mode = mode == .fullScreen ? .normal : .fullScreen
        case .escape where mode == .fullScreen:
            mode = .normal
        case .pageDown, .character("J"), .character(" "):
            detailScroll.scroll(by: max(1, detailViewHeight - 1))
        case .pageUp, .character("K"):
            detailScroll.scroll(by: -max(1, detailViewHeight - 1))
        case .character("["): promptScroll.scroll(by: -2)
        case .character("]"): promptScroll.scroll(by: 2)
        case .character("s"), .control("s"):
            submit(task, context: context)
        default:
            return .unhandled
        }
        return .handled
    }

    private func select(_ index: Int) {
        if index != selected { detailScroll = ScrollState() }
        selected = index
    }

    private func startNote(for responseID: Int64?) {
        let existing = state.flags(for: responseID).first { $0.kind == .note }?.note ?? ""
        noteEditor = TextEditor(text: existing)
        mode = .note(responseID: responseID)
    }

    private func submit(_ task: RankingItem, context: LabelingContext) {
        guard state.isComplete else {
            context.notify("Give every response a tier (1–9; the same number for a tie) or press x.", .warning)
            return
        }
        let submission = RankingSubmission(
            assignmentID: task.assignmentID, promptID: task.promptID, tiers: state.tiersForSubmission,
            allUnacceptable: state.allUnacceptable,
            flags: state.flags.sorted {
                ($0.responseID ?? -1, $0.kind.rawValue) < ($1.responseID ?? -1, $1.kind.rawValue)
            },
            instructionVersion: context.instructions.version,
            secondsSpent: context.now().timeIntervalSince(startedAt))
        // Commit in the background, then claim the next ranking.
        pending.begin("Saving…")
        let summary = state.summary
        let service = context.service
        let depth = context.prefetchDepth
        context.writer.run({ () -> Result<[RankingItem], Error> in
            try service.submit(submission)
            return Result { try service.upcomingRankings(limit: depth) }
        }) { [weak self] result in
            guard let self else { return }
            switch result {
            case .success(let next):
                context.notify("Saved ranking \(summary) for prompt #\(task.promptID). (u undoes)", .success)
                self.install(next, context: context)
            case .failure(let error):
                self.pending.fail()
                context.report(error, while: "save the ranking")
            }
        }
    }

    // MARK: Drawing

    public func draw(into grid: inout CellGrid, area: Rect, context: LabelingContext) {
        guard let task else {
            pending.drawPlaceholder(
                empty: "No rankings are waiting for you. Press q to go back, n to look again.", into: &grid, area: area)
            return
        }
        if mode == .fullScreen {
            drawDetail(into: &grid, rect: area, task: task, context: context)
            return
        }
        let promptLines = ConversationView.lines(task.conversation, width: area.width - 3)
        let promptHeight = max(1, min(promptLines.count, area.height / 4))
        Box.rule(into: &grid, row: area.row, column: area.column, width: area.width, label: "Prompt")
        TextLayout.drawScrolled(
            promptLines, into: &grid,
            rect: Rect(
                row: area.row + 1, column: area.column + 1, width: area.width - 1,
                height: promptHeight), scroll: &promptScroll)
        var y = area.row + 1 + promptHeight
        let order = "Order: " + state.summary + (waitingFor.map { " · " + $0 } ?? "")
        Box.rule(into: &grid, row: y, column: area.column, width: area.width, label: order, style: .accent)
        y += 1
        let wide = area.width >= 110
        let listWidth = wide ? 40 : area.width
        let listTop = y
        for (index, response) in task.responses.enumerated() {
            drawListRow(
                into: &grid, row: y, column: area.column, width: listWidth, index: index,
                response: response)
            y += 1
        }
        let flagsOnPrompt = state.flags(for: nil)
        if !flagsOnPrompt.isEmpty {
            grid.put(
                "Prompt: " + flagsOnPrompt.map(describe).joined(separator: ", "), row: y, column: area.column + 1,
                style: .warning, limit: area.column + listWidth)
            y += 1
        }
        if case .note(let responseID) = mode {
            let target =
                responseID.flatMap { id in task.responses.firstIndex { $0.responseID == id } }
                .map { "response " + RankingState.letter($0) } ?? "prompt"
            let label = "Note on \(target): "
            let x = grid.put(label, row: y, column: area.column + 1, style: .accent)
            noteEditor.draw(
                into: &grid, row: y, column: x, width: area.column + listWidth - x - 1, height: 1,
                focused: true)
            y += 1
        }
        if wide {
            for row in listTop..<max(listTop, area.row + area.height) {
                grid.put("│", row: row, column: area.column + listWidth, style: .muted)
            }
            drawDetail(
                into: &grid,
                rect: Rect(
                    row: listTop, column: area.column + listWidth + 1,
                    width: area.width - listWidth - 1,
                    height: area.row + area.height - listTop), task: task, context: context)
        } else {
            drawDetail(
                into: &grid,
                rect: Rect(
                    row: y, column: area.column, width: area.width,
                    height: area.row + area.height - y), task: task, context: context)
        }
    }

    private func drawListRow(
        into grid: inout CellGrid, row: Int, column: Int, width: Int, index: Int,
        response: ShownResponse
    ) {
        let isSelected = index == selected
        let style: Style = isSelected ? .selected : .normal
        grid.fill(row: row, column: column, width: width, height: 1, style: style)
        let tier = state.tiers[index].map(String.init) ?? (state.allUnacceptable ? "✗" : "·")
        var x = grid.put(
            (isSelected ? "▸ " : "  ") + RankingState.letter(index), row: row, column: column,
            style: style.with(bold: true))
        x = grid.put(" [", row: row, column: x, style: style)
        x = grid.put(tier, row: row, column: x, style: isSelected ? style : .tier)
        x = grid.put("] ", row: row, column: x, style: style)
        let flags = state.flags(for: response.responseID)
        let flagText = flags.isEmpty ? "" : " ⚑ " + flags.map { $0.kind.label }.joined(separator: ",")
        let flagWidth = min(DisplayWidth.of(flagText), max(0, width / 3))
        let preview = response.text.split(whereSeparator: \.isNewline).first.map(String.init) ?? ""
        grid.put(
            TextLayout.truncate(preview, width: max(0, column + width - x - flagWidth)), row: row, column: x,
            style: style)
        if flagWidth > 0 {
            grid.put(
                TextLayout.truncate(flagText, width: flagWidth), row: row, column: column + width - flagWidth,
                style: isSelected ? style : .warning)
        }
    }

    private func describe(_ flag: RankingFlag) -> String {
        flag.kind == .note ? "note: \(flag.note ?? "")" : flag.kind.label
    }

    private func drawDetail(into grid: inout CellGrid, rect: Rect, task: RankingItem, context: LabelingContext) {
        guard rect.height >= 2 else { return }
        let response = task.responses[selected]
        let letter = RankingState.letter(selected)
        let critiqueState = showCritiques ? "critique on (c)" : "critique off (c)"
        let full = mode == .fullScreen ? " · full screen (z)" : ""
        Box.rule(
            into: &grid, row: rect.row, column: rect.column, width: rect.width,
            label: "Response \(letter) · \(critiqueState)\(full)")
        let textWidth = rect.width - 2
        var lines = ConversationView.responseLines(response.text, width: textWidth)
        let flags = state.flags(for: response.responseID)
        if !flags.isEmpty {
            lines.append([])
            lines.append([Span("Flags: " + flags.map(describe).joined(separator: ", "), .warning)])
        }
        if showCritiques {
            lines.append([])
            lines.append([Span("Critique", Style(.muted, bold: true))])
            if let critique = response.critique {
                lines += ConversationView.responseLines(critique, width: textWidth, style: .muted)
            } else {
                switch context.drafts.state(of: .critique(responseID: response.responseID)) {
                case .ready(let text)?: lines += ConversationView.responseLines(text, width: textWidth, style: .muted)
                case .pending?: lines.append([Span("… a critique is being written", .muted)])
                case .failed(let message)?: lines.append([Span("No critique: \(message)", .warning)])
                case nil: lines.append([Span("No critique for this response.", .muted)])
                }
            }
        }
        detailViewHeight = rect.height - 1
        TextLayout.drawScrolled(
            lines, into: &grid,
            rect: Rect(
                row: rect.row + 1, column: rect.column + 1,
                width: rect.width - 1, height: rect.height - 1),
            scroll: &detailScroll)
    }
}
