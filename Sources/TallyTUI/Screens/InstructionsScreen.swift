/// The labeling guidelines rendered from Markdown; shown on first use and with `i` from anywhere.
public final class InstructionsScreen: Screen {
    private let firstUse: Bool
    private var scroll = ScrollState()
    private var cachedWidth = -1
    private var cachedVersion: Int64 = -1
    private var lines: [StyledLine] = []
    private var viewHeight = 20

    public init(firstUse: Bool) {
        self.firstUse = firstUse
    }

    public var title: String { firstUse ? "Instructions (please read before you start)" : "Instructions" }

    public var bindings: [KeyBinding] {
        [
            KeyBinding("j/k ↑↓", "scroll", hint: true),
            KeyBinding("Space/PgDn b/PgUp", "page", hint: true),
            KeyBinding("g/G Home/End", "top / bottom"),
            KeyBinding("q/Esc", firstUse ? "start labeling" : "back", hint: true),
        ]
    }

    public func handle(_ key: Key, context: LabelingContext) -> ScreenCommand {
        switch key {
        case .down, .character("j"): scroll.scroll(by: 1, contentHeight: lines.count, viewHeight: viewHeight)
        case .up, .character("k"): scroll.scroll(by: -1, contentHeight: lines.count, viewHeight: viewHeight)
        case .pageDown, .character(" "), .control("f"):
            scroll.scroll(by: viewHeight - 1, contentHeight: lines.count, viewHeight: viewHeight)
        case .pageUp, .character("b"), .control("b"):
            scroll.scroll(by: -(viewHeight - 1), contentHeight: lines.count, viewHeight: viewHeight)
        case .home, .character("g"): scroll.offset = 0
        case .end, .character("G"): scroll.scroll(by: lines.count, contentHeight: lines.count, viewHeight: viewHeight)
        case .character("i"): return .back
        default: return .unhandled
        }
        return .handled
    }

    public func willClose(context: LabelingContext) {
        try? context.service.markInstructionsSeen(version: context.instructions.version)
    }

    public func draw(into grid: inout CellGrid, area: Rect, context: LabelingContext) {
        let textWidth = min(100, area.width - 4)
        if textWidth != cachedWidth || context.instructions.version != cachedVersion {
            let markdown = context.instructions.markdown
            lines =
                markdown.isEmpty
                ? [[Span("No instructions yet: add Markdown files to instructions/ in the workspace.", .muted)]]
                : MarkdownRenderer.render(markdown, width: textWidth)
            cachedWidth = textWidth
            cachedVersion = context.instructions.version
        }
        viewHeight = area.height - 1
        var rect = Rect(row: area.row + 1, column: area.column + 2, width: textWidth + 1, height: viewHeight)
        rect.width = min(rect.width, area.width - 2)
        TextLayout.drawScrolled(lines, into: &grid, rect: rect, scroll: &scroll)
    }
}
