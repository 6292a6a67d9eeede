/// Lays out a (multi-turn) prompt as a conversation: each turn under its speaker, text wrapped and indented.
public enum ConversationView {
    public static func lines(_ conversation: [ChatTurn], width: Int) -> [StyledLine] {
        var lines: [StyledLine] = []
        for (index, turn) in conversation.enumerated() {
            if index > 0 { lines.append([]) }
            let (label, style): (String, Style) = {
                switch turn.role {
                case .user: return ("User", Style(.accent, bold: true))
                case .assistant: return ("Assistant", Style(.success, bold: true))
                case .system: return ("System", Style(.muted, bold: true))
                }
            }()
            lines.append([Span(label, style)])
            for line in TextLayout.wrap(turn.text, width: max(4, width - 2)) {
                lines.append([Span("  " + line)])
            }
        }
        return lines
    }

    /// Lays out a response text (untrusted) as wrapped lines.
    public static func responseLines(_ text: String, width: Int, style: Style = .normal) -> [StyledLine] {
        TextLayout.wrap(text, width: max(4, width)).map { [Span($0, style)] }
    }
}

/// A vertical scroll position clamped to content.
///
/// A screen that lays its content out only when drawing scrolls with `scroll(by:)`: it stays within the
/// content measured at the last draw, and a fresh state (a new item) is bounded by its first draw.
public struct ScrollState: Equatable, Sendable {
    public var offset = 0
    /// The furthest offset the content allowed when last clamped; nil until then.
    private var maxOffset: Int?

    public init() {}

    /// Scrolls by `rows` within the content as measured when last clamped (by `drawScrolled`).
    public mutating func scroll(by rows: Int) {
        offset = max(0, min(offset + rows, maxOffset ?? .max))
    }

    public mutating func scroll(by rows: Int, contentHeight: Int, viewHeight: Int) {
        offset += rows
        clamp(contentHeight: contentHeight, viewHeight: viewHeight)
    }

    public mutating func clamp(contentHeight: Int, viewHeight: Int) {
        clamp(maxOffset: max(0, contentHeight - viewHeight))
    }

    /// Keeps the offset within `0...maxOffset` and remembers the bound for `scroll(by:)`.
    public mutating func clamp(maxOffset: Int) {
        self.maxOffset = maxOffset
        offset = max(0, min(offset, maxOffset))
    }
}

extension TextLayout {
    /// Draws lines scrolled by `scroll` and a `▲`/`▼` marker in the last column when more is hidden.
    static func drawScrolled(_ lines: [StyledLine], into grid: inout CellGrid, rect: Rect, scroll: inout ScrollState) {
        scroll.clamp(contentHeight: lines.count, viewHeight: rect.height)
        draw(
            lines, into: &grid, row: rect.row, column: rect.column, width: rect.width - 1, height: rect.height,
            firstLine: scroll.offset)
        let markerColumn = rect.column + rect.width - 1
        if scroll.offset > 0 { grid.put("▲", row: rect.row, column: markerColumn, style: .muted) }
        if scroll.offset + rect.height < lines.count {
            grid.put("▼", row: rect.row + rect.height - 1, column: markerColumn, style: .muted)
        }
    }
}
