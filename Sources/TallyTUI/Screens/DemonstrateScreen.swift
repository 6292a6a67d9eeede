import Foundation

/// Writing a demonstration: the prompt as a conversation, an editor for the ideal response, and model drafts
/// beside it to take as the starting text, pull a paragraph from, or ignore.
///
/// Half-written text is autosaved (a second after the last edit, and when leaving) and comes back next time.
public final class DemonstrateScreen: Screen {
    enum Focus { case editor, drafts }

    public private(set) var task: DemonstrationItem?
    public private(set) var editor = TextEditor()
    private var focus = Focus.editor
    private var selectedDraft = 0
    private var selectedParagraph = 0
    private var draftScroll = ScrollState()
    private var promptScroll = ScrollState()
    private var sourceDraftIDs: [Int64] = []
    /// Live drafts already stored in the workspace, by variant.
    private var recordedLiveDrafts: [Int: Int64] = [:]
    private var startedAt = Date()
    /// The text the workspace holds for this prompt (nil when unknown, e.g. after a failed save).
    private var lastSavedText: String? = ""
    private var savesInFlight = 0
    /// What the screen waits for (loading, saving), shown to the labeler; nil when idle. Keys typed
    /// meanwhile are kept and applied when it is done.
    public var waitingFor: String? { pending.waitingFor }
    private var pending = PendingWork()
    private var lastEditAt: Date?
    private var loaded = false
    private var draftViewHeight = 10

    public init() {}

    public var title: String {
        guard let task else { return "Demonstrate" }
        return "Demonstrate · prompt #\(task.promptID)"
    }

    public var capturesText: Bool { focus == .editor && task != nil }

    public var bindings: [KeyBinding] {
        if focus == .drafts {
            return [
                KeyBinding("h/l ←→ 1-9", "choose draft", hint: true, bar: "draft"),
                KeyBinding("j/k ↑↓", "choose paragraph", hint: true, bar: "paragraph"),
                KeyBinding("t Enter", "take draft as starting text", hint: true, bar: "take"),
                KeyBinding("p", "pull paragraph in at the cursor", hint: true, bar: "pull"),
                KeyBinding("J/K PgDn/PgUp", "scroll draft"),
                KeyBinding("[ ]", "scroll the prompt"),
                KeyBinding("Tab", "back to your text", hint: true, bar: "editor"),
            ]
        }
        return [
            KeyBinding("C-s", "submit", hint: true),
            KeyBinding("Tab", "drafts", hint: true),
            KeyBinding("C-z C-y", "undo / redo", hint: true, bar: "undo/redo"),
            KeyBinding("Esc", "back (kept)", hint: true),
            KeyBinding("C-← C-→ M-b M-f", "word left / right"),
            KeyBinding("Home End C-a C-e", "line start / end"),
            KeyBinding("S-arrows C-Space", "select"),
            KeyBinding("M-a", "select all"),
            KeyBinding("C-c C-x C-v", "copy / cut / paste"),
            KeyBinding("C-k C-w", "kill to line end / delete word"),
            KeyBinding("M-< M->", "start / end of text"),
            KeyBinding("M-p M-n", "scroll the prompt"),
        ]
    }

    // MARK: Lifecycle

    public func didAppear(context: LabelingContext) {
        if !loaded { loadNext(context: context) }
    }

    public func labelsChanged(context: LabelingContext) {
        autosave(context: context)
        loadNext(context: context)
    }

    /// Claims the next prompt in the background; the screen shows it when it arrives.
    func loadNext(context: LabelingContext) {
        loaded = true
        pending.begin("Loading the next prompt…")
        let service = context.service
        let depth = context.prefetchDepth
        context.writer.run({ try service.upcomingDemonstrations(limit: depth) }) { [weak self] result in
            self?.install(result, context: context)
        }
    }

    private func install(_ result: Result<[DemonstrationItem], Error>, context: LabelingContext) {
        switch result {
        case .success(let upcoming):
            for next in upcoming where next.storedDrafts.isEmpty {
                context.drafts.requestDrafts(for: next, instructions: context.instructions.markdown)
            }
            task = upcoming.first
        case .failure(let error):
            context.report(error, while: "load the next prompt")
            task = nil
        }
        editor = TextEditor(text: task?.savedDraft ?? "")
        lastSavedText = editor.text
        sourceDraftIDs = []
        recordedLiveDrafts = [:]
        selectedDraft = 0
        selectedParagraph = 0
        draftScroll = ScrollState()
        promptScroll = ScrollState()
        focus = .editor
        startedAt = context.now()
        lastEditAt = nil
        for key in pending.finish() { _ = handle(key, context: context) }
    }

    public func tick(context: LabelingContext) -> Bool {
        recordFinishedDrafts(context: context)
        if let lastEditAt, context.now().timeIntervalSince(lastEditAt) >= context.autosaveDelay {
            autosave(context: context)
        }
        return false
    }

    public func willClose(context: LabelingContext) {
        autosave(context: context)
    }

    /// Saves the text (in the background) if it changed since the last save.
    public func autosave(context: LabelingContext) {
        lastEditAt = nil
        guard let task, waitingFor == nil, editor.text != lastSavedText else { return }
        let text = editor.text
        let assignmentID = task.assignmentID
        let service = context.service
        lastSavedText = text
        savesInFlight += 1
        context.writer.run({ try service.saveDemonstrationDraft(assignmentID: assignmentID, text: text) }) {
            [weak self] result in
            self?.savesInFlight -= 1
            if case .failure(let error) = result {
                if self?.lastSavedText == text { self?.lastSavedText = nil }
                context.report(error, while: "autosave your text")
            }
        }
    }

    // MARK: Keys

    public func handle(_ key: Key, context: LabelingContext) -> ScreenCommand {
        if let held = pending.hold(key, backOutKeys: [.escape, .control("q")]) { return held }
        guard let task else {
            if key == .character("n") || key == .enter {
                loadNext(context: context)
                return .handled
            }
            return .unhandled
        }
        switch key {
        case .control("s"):
            submit(task, context: context)
            return .handled
        case .tab, .backTab:
            focus = focus == .editor ? .drafts : .editor
            return .handled
        case .alt("p"):
            promptScroll.scroll(by: -3)
            return .handled
        case .alt("n"):
            promptScroll.scroll(by: 3)
            return .handled
        default: break
        }
        if focus == .editor {
            let before = editor.text
            guard editor.handle(key) else { return .unhandled }
            if editor.text != before { lastEditAt = context.now() }
            return .handled
        }
        return handleDraftKey(key, context: context)
    }

    private func handleDraftKey(_ key: Key, context: LabelingContext) -> ScreenCommand {
        let slots = draftSlots(context: context)
        let count = slots.count
        let offer = selectedDraft < count ? slots[selectedDraft].offer : nil
        switch key {
        case .escape:
            focus = .editor
        case .left, .character("h"):
            if count > 0 { selectDraft((selectedDraft + count - 1) % count) }
        case .right, .character("l"):
            if count > 0 { selectDraft((selectedDraft + 1) % count) }
        case .character(let digit) where digit.isASCII && digit.isNumber && digit != "0":
            if let number = digit.wholeNumberValue, number <= count { selectDraft(number - 1) }
        case .down, .character("j"):
            let paragraphs = offer.map { Self.paragraphs(of: $0.text) } ?? []
            if !paragraphs.isEmpty { selectedParagraph = min(paragraphs.count - 1, selectedParagraph + 1) }
        case .up, .character("k"):
            selectedParagraph = max(0, selectedParagraph - 1)
        case .pageDown, .character("J"): draftScroll.scroll(by: max(1, draftViewHeight - 1))
        case .pageUp, .character("K"): draftScroll.scroll(by: -max(1, draftViewHeight - 1))
        case .character("["): promptScroll.scroll(by: -3)
        case .character("]"): promptScroll.scroll(by: 3)
        case .character("t"), .enter:
            guard let offer else {
                context.notify("That draft is not ready.", .warning)
                break
            }
            editor.replaceAll(with: offer.text)
            noteSource(offer.draftID)
            lastEditAt = context.now()
            focus = .editor
            context.notify("Took draft \(selectedDraft + 1) as your starting text (C-z undoes).", .info)
        case .character("p"):
            let paragraphs = offer.map { Self.paragraphs(of: $0.text) } ?? []
            guard let offer, selectedParagraph < paragraphs.count else {
                context.notify("That draft is not ready.", .warning)
                break
            }
            var piece = paragraphs[selectedParagraph]
            if !editor.isEmpty && editor.cursor.column > 0 { piece = "\n\n" + piece }
            editor.insert(piece)
            noteSource(offer.draftID)
            lastEditAt = context.now()
            context.notify("Pulled paragraph \(selectedParagraph + 1) of draft \(selectedDraft + 1).", .info)
        default:
            return .unhandled
        }
        return .handled
    }

    private func selectDraft(_ index: Int) {
        selectedDraft = index
        selectedParagraph = 0
        draftScroll = ScrollState()
    }

    private func noteSource(_ draftID: Int64) {
        if !sourceDraftIDs.contains(draftID) { sourceDraftIDs.append(draftID) }
    }

    /// One draft tab: stored in the workspace, or being written by the drafter.
    struct DraftSlot {
        var state: DraftBoard.State
        var offer: DraftOffer?
    }

    /// The drafts offered for the current prompt: those stored in the workspace, else the drafter's live ones.
    func draftSlots(context: LabelingContext) -> [DraftSlot] {
        guard let task else { return [] }
        if !task.storedDrafts.isEmpty {
            return task.storedDrafts.map { DraftSlot(state: .ready($0.text), offer: $0) }
        }
        return context.drafts.readyDrafts(for: task.promptID).map { variant, state in
            var offer: DraftOffer?
            if case .ready(let text) = state, let id = recordedLiveDrafts[variant], id >= 0 {
                offer = DraftOffer(draftID: id, text: text)
            }
            return DraftSlot(state: state, offer: offer)
        }
    }

    /// Stores live drafts in the workspace as they arrive, so a demonstration can refer to them.
    func recordFinishedDrafts(context: LabelingContext) {
        guard let task, task.storedDrafts.isEmpty, let drafter = context.drafts.drafterAuthor else { return }
        for (variant, state) in context.drafts.readyDrafts(for: task.promptID) where recordedLiveDrafts[variant] == nil
        {
            guard case .ready(let text) = state else { continue }
            recordedLiveDrafts[variant] = Self.draftBeingStored
            let service = context.service
            let promptID = task.promptID
            context.writer.run({ try service.recordDraft(promptID: promptID, drafter: drafter, text: text) }) {
                [weak self] result in
                guard let self, self.task?.promptID == promptID else { return }
                switch result {
                case .success(let id): self.recordedLiveDrafts[variant] = id
                case .failure(let error):
                    context.report(error, while: "store a draft")
                    self.recordedLiveDrafts[variant] = Self.draftNotStored
                }
            }
        }
    }

    /// Markers in `recordedLiveDrafts` for drafts without a workspace id (yet).
    static let draftBeingStored: Int64 = -2
    static let draftNotStored: Int64 = -1

    /// Paragraphs of a draft: blocks separated by blank lines.
    static func paragraphs(of text: String) -> [String] {
        text.replacingOccurrences(of: "\r\n", with: "\n")
            .components(separatedBy: "\n\n")
            .map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
            .filter { !$0.isEmpty }
    }

    private func submit(_ task: DemonstrationItem, context: LabelingContext) {
        let text = editor.text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !text.isEmpty else {
            context.notify("Write a response first (or Esc to come back later).", .warning)
            return
        }
        var distances: [Int64: Int] = [:]
        for offer in draftSlots(context: context).compactMap(\.offer) where offer.draftID >= 0 {
            distances[offer.draftID] = EditDistance.between(text, offer.text)
        }
        let submission = DemonstrationSubmission(
            assignmentID: task.assignmentID, promptID: task.promptID, text: text, sourceDraftIDs: sourceDraftIDs,
            editDistances: distances,
            instructionVersion: context.instructions.version,
            secondsSpent: context.now().timeIntervalSince(startedAt))
        // Commit in the background (after any autosave already queued), then claim the next prompt.
        autosave(context: context)
        pending.begin("Saving…")
        let service = context.service
        let depth = context.prefetchDepth
        context.writer.run({ () -> Result<[DemonstrationItem], Error> in
            try service.submit(submission)
            return Result { try service.upcomingDemonstrations(limit: depth) }
        }) { [weak self] result in
            guard let self else { return }
            switch result {
            case .success(let next):
                context.notify("Saved demonstration for prompt #\(task.promptID). (u on Home undoes it)", .success)
                self.install(next, context: context)
            case .failure(let error):
                self.pending.fail()
                context.report(error, while: "save the demonstration (your text is still here)")
            }
        }
    }

    // MARK: Drawing

    public func draw(into grid: inout CellGrid, area: Rect, context: LabelingContext) {
        guard let task else {
            pending.drawPlaceholder(
                empty: "No prompts are waiting for a demonstration. Press q to go back, n to look again.", into: &grid,
                area: area)
            return
        }
        let wide = area.width >= 100
        let mainWidth = wide ? area.width * 3 / 5 : area.width
        let promptLines = ConversationView.lines(task.conversation, width: mainWidth - 3)
        let promptHeight = max(2, min(promptLines.count, (area.height - 2) / 3))
        Box.rule(into: &grid, row: area.row, column: area.column, width: mainWidth, label: "Prompt")
        TextLayout.drawScrolled(
            promptLines, into: &grid,
            rect: Rect(
                row: area.row + 1, column: area.column + 1, width: mainWidth - 1,
                height: promptHeight), scroll: &promptScroll)
        let editorTop = area.row + 1 + promptHeight
        let saveState = savesInFlight > 0 ? "saving…" : (editor.text == lastSavedText ? "saved" : "editing")
        let saved = waitingFor ?? saveState
        let label = "Your response · \(editor.text.count) chars · \(saved)"
        let bottomHeight = area.height - promptHeight - 2
        if wide {
            Box.rule(
                into: &grid, row: editorTop, column: area.column, width: mainWidth, label: label,
                style: focus == .editor ? .accent : .muted)
            editor.draw(
                into: &grid, row: editorTop + 1, column: area.column + 1, width: mainWidth - 2,
                height: bottomHeight, focused: focus == .editor)
            for y in area.row..<(area.row + area.height) {
                grid.put("│", row: y, column: area.column + mainWidth, style: .muted)
            }
            drawDrafts(
                into: &grid,
                rect: Rect(
                    row: area.row, column: area.column + mainWidth + 1,
                    width: area.width - mainWidth - 1, height: area.height),
                context: context)
        } else if focus == .editor {
            Box.rule(
                into: &grid, row: editorTop, column: area.column, width: area.width,
                label: label + draftSummary(context: context), style: .accent)
            editor.draw(
                into: &grid, row: editorTop + 1, column: area.column + 1, width: area.width - 2,
                height: bottomHeight, focused: true)
        } else {
            drawDrafts(
                into: &grid,
                rect: Rect(
                    row: editorTop, column: area.column, width: area.width,
                    height: bottomHeight + 1), context: context)
        }
    }

    private func draftSummary(context: LabelingContext) -> String {
        let slots = draftSlots(context: context)
        guard !slots.isEmpty else { return "" }
        let ready = slots.filter { $0.offer != nil }.count
        return " · drafts \(ready)/\(slots.count) (Tab)"
    }

    private func drawDrafts(into grid: inout CellGrid, rect: Rect, context: LabelingContext) {
        let slots = draftSlots(context: context)
        let style: Style = focus == .drafts ? .accent : .muted
        guard !slots.isEmpty else {
            Box.rule(into: &grid, row: rect.row, column: rect.column, width: rect.width, label: "Drafts", style: style)
            grid.put(
                "No drafter configured (set TALLY_DRAFT_BASE_URL).", row: rect.row + 1,
                column: rect.column + 1, style: .muted, limit: rect.column + rect.width)
            return
        }
        // Tabs: Draft 1 | Draft 2 … with a spinner or a cross for pending or failed ones.
        Box.rule(into: &grid, row: rect.row, column: rect.column, width: rect.width, label: "Drafts", style: style)
        var x = rect.column + 1
        for (variant, slot) in slots.enumerated() {
            let mark: String
            switch slot.state {
            case .pending: mark = " " + spinnerGlyph(context: context)
            case .failed: mark = " ✗"
            case .ready: mark = ""
            }
            let tabStyle: Style = variant == selectedDraft ? (focus == .drafts ? .selected : .bold) : .normal
            x = grid.put(
                " \(variant + 1)\(mark) ", row: rect.row + 1, column: x, style: tabStyle,
                limit: rect.column + rect.width)
        }
        let body = Rect(row: rect.row + 2, column: rect.column + 1, width: rect.width - 1, height: rect.height - 2)
        draftViewHeight = body.height
        switch selectedDraft < slots.count ? slots[selectedDraft].state : .pending {
        case .pending:
            grid.put(
                "\(spinnerGlyph(context: context)) a draft is being written…", row: body.row, column: body.column,
                style: .muted, limit: body.column + body.width)
        case .failed(let message):
            grid.put(
                "No draft: \(message)", row: body.row, column: body.column, style: .warning,
                limit: body.column + body.width)
        case .ready(let text):
            var lines: [StyledLine] = []
            for (index, paragraph) in Self.paragraphs(of: text).enumerated() {
                if index > 0 { lines.append([]) }
                let highlighted = index == selectedParagraph && focus == .drafts
                for line in TextLayout.wrap(paragraph, width: max(4, body.width - 2)) {
                    lines.append([Span(highlighted ? "▌" : " ", .accent), Span(line, highlighted ? .bold : .normal)])
                }
            }
            TextLayout.drawScrolled(lines, into: &grid, rect: body, scroll: &draftScroll)
        }
    }

    private func spinnerGlyph(context: LabelingContext) -> String {
        let frames = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"]
        let tenths = Int(context.now().timeIntervalSinceReferenceDate * 10)
        return frames[tenths % frames.count]
    }
}
