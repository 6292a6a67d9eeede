/// A prompt with two responses, A and B, as Compare and Arena show them: the prompt on top, a status rule, then
/// the responses side by side on a wide terminal (100 columns or more) or one above the other on a narrow one,
/// scrolled together. Text goes through ``TextLayout``, which sanitises it.
struct ResponsePairView {
    /// One response pane: its heading (`Response A`) and text; a highlighted pane is the labeler's choice.
    struct Pane {
        var heading: String
        var text: String
        var highlighted: Bool
    }

    private var scroll = ScrollState()
    /// The rows of one response pane at the last draw: a page for PgDn/PgUp.
    private var viewHeight = 8

    /// Scrolls both responses for j/k, ↓↑, space and PgDn/PgUp; returns whether `key` was one of those.
    mutating func scroll(_ key: Key) -> Bool {
        switch key {
        case .down, .character("j"): scroll.scroll(by: 1)
        case .up, .character("k"): scroll.scroll(by: -1)
        case .pageDown, .character(" "): scroll.scroll(by: max(1, viewHeight - 1))
        case .pageUp: scroll.scroll(by: -max(1, viewHeight - 1))
        default: return false
        }
        return true
    }

    mutating func draw(
        into grid: inout CellGrid, area: Rect, conversation: [ChatTurn], status: String, statusStyle: Style,
        first: Pane, second: Pane
    ) {
        let promptLines = ConversationView.lines(conversation, width: area.width - 3)
        let promptHeight = max(1, min(promptLines.count, area.height / 4))
        Box.rule(into: &grid, row: area.row, column: area.column, width: area.width, label: "Prompt")
        var promptScroll = ScrollState()
        TextLayout.drawScrolled(
            promptLines, into: &grid,
            rect: Rect(row: area.row + 1, column: area.column + 1, width: area.width - 1, height: promptHeight),
            scroll: &promptScroll)
        let top = area.row + 1 + promptHeight
        Box.rule(into: &grid, row: top, column: area.column, width: area.width, label: status, style: statusStyle)
        let bodyTop = top + 1
        let bodyHeight = area.row + area.height - bodyTop
        let furthestFirst: Int
        let furthestSecond: Int
        if area.width >= 100 {
            let half = (area.width - 1) / 2
            viewHeight = bodyHeight - 1
            furthestFirst = drawPane(
                first, into: &grid, rect: Rect(row: bodyTop, column: area.column, width: half, height: bodyHeight))
            for y in bodyTop..<max(bodyTop, bodyTop + bodyHeight) {
                grid.put("│", row: y, column: area.column + half, style: .muted)
            }
            furthestSecond = drawPane(
                second, into: &grid,
                rect: Rect(
                    row: bodyTop, column: area.column + half + 1, width: area.width - half - 1, height: bodyHeight))
        } else {
            let upper = bodyHeight / 2
            viewHeight = upper - 1
            furthestFirst = drawPane(
                first, into: &grid, rect: Rect(row: bodyTop, column: area.column, width: area.width, height: upper))
            furthestSecond = drawPane(
                second, into: &grid,
                rect: Rect(row: bodyTop + upper, column: area.column, width: area.width, height: bodyHeight - upper))
        }
        // One offset scrolls both panes; keep it no further than the longer response can use, so that scrolling
        // back up moves the view at once.
        scroll.clamp(maxOffset: max(furthestFirst, furthestSecond))
    }

    /// Draws one response scrolled by the shared offset (clamped to this response); returns the furthest offset
    /// this response can use.
    private func drawPane(_ pane: Pane, into grid: inout CellGrid, rect: Rect) -> Int {
        guard rect.height >= 2 else { return 0 }
        let style: Style = pane.highlighted ? .selected : Style(.muted, bold: true)
        grid.fill(row: rect.row, column: rect.column, width: rect.width, height: 1, style: style)
        grid.put(
            " " + pane.heading + (pane.highlighted ? " ✓" : ""), row: rect.row, column: rect.column, style: style,
            limit: rect.column + rect.width)
        let lines = ConversationView.responseLines(pane.text, width: rect.width - 3)
        var local = scroll
        TextLayout.drawScrolled(
            lines, into: &grid,
            rect: Rect(row: rect.row + 1, column: rect.column + 1, width: rect.width - 1, height: rect.height - 1),
            scroll: &local)
        return max(0, lines.count - (rect.height - 1))
    }
}
