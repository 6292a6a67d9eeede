import Foundation

/// The admin view: labels by labeler, agreement figures, flagged items.
public final class ReviewScreen: Screen {
    public private(set) var summary: ReviewSummary?
    private var scroll = ScrollState()
    private var viewHeight = 10

    public init() {}

    public var title: String { "Review" }

    public var bindings: [KeyBinding] {
        [
            KeyBinding("j/k ↑↓", "scroll", hint: true),
            KeyBinding("PgDn/PgUp", "page", hint: true),
            KeyBinding("R", "refresh", hint: true),
        ]
    }

    public func didAppear(context: LabelingContext) {
        guard context.service.isAdmin else {
            context.notify("Review is for admins.", .warning)
            summary = nil
            return
        }
        do {
            summary = try context.service.reviewSummary()
        } catch {
            context.report(error, while: "load the review")
        }
    }

    public func handle(_ key: Key, context: LabelingContext) -> ScreenCommand {
        switch key {
        case .down, .character("j"): scroll.scroll(by: 1)
        case .up, .character("k"): scroll.scroll(by: -1)
        case .pageDown, .character(" "): scroll.scroll(by: max(1, viewHeight - 1))
        case .pageUp: scroll.scroll(by: -max(1, viewHeight - 1))
        case .character("R"): didAppear(context: context)
        default: return .unhandled
        }
        return .handled
    }

    func lines(width: Int) -> [StyledLine] {
        guard let summary else { return [[Span("Nothing to review.", .muted)]] }
        var lines: [StyledLine] = [[Span("Labels by labeler", .heading)]]
        let nameWidth = max(10, min(24, summary.labelers.map { DisplayWidth.of($0.name) }.max() ?? 10))
        func pad(_ text: String, _ columns: Int) -> String {
            let cut = TextLayout.truncate(text, width: columns)
            return cut + String(repeating: " ", count: max(0, columns - DisplayWidth.of(cut)))
        }
        lines.append([Span("  " + pad("labeler", nameWidth) + "  demos  rankings  comparisons", .muted)])
        for row in summary.labelers {
            let figures =
                pad(String(row.demonstrations), 5) + "  " + pad(String(row.rankings), 8) + "  "
                + String(row.comparisons)
            lines.append([Span("  " + pad(row.name, nameWidth) + "  " + figures)])
        }
        lines.append([])
        lines.append([Span("Agreement", .heading)])
        if summary.agreement.isEmpty { lines.append([Span("  not enough overlapping labels yet", .muted)]) }
        for (name, value) in summary.agreement {
            lines.append([Span("  " + name + ": ", .bold), Span(value)])
        }
        lines.append([])
        lines.append([Span("Flagged items (\(summary.flagged.count), newest first)", .heading)])
        if summary.flagged.isEmpty { lines.append([Span("  none", .muted)]) }
        for item in summary.flagged {
            var text = "  #\(item.promptID) \(item.kind) by \(item.labeler)"
            if let time = item.createdAt { text += " · " + Self.timeFormat.string(from: time) }
            if let note = item.note, !note.isEmpty { text += " — \(note)" }
            lines += TextLayout.wrap(spans: [Span(text, .warning)], width: width, indent: 4)
            lines.append([Span("    " + TextLayout.truncate(item.promptPreview, width: max(0, width - 4)), .muted)])
        }
        return lines
    }

    /// Flag times, in UTC so that every admin reads the same time.
    static let timeFormat: DateFormatter = {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd HH:mm 'UTC'"
        return formatter
    }()

    public func draw(into grid: inout CellGrid, area: Rect, context: LabelingContext) {
        viewHeight = area.height - 1
        TextLayout.drawScrolled(
            lines(width: area.width - 4), into: &grid,
            rect: Rect(
                row: area.row + 1, column: area.column + 2, width: area.width - 3,
                height: area.height - 1), scroll: &scroll)
    }
}
