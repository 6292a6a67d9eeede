import TallyIO

/// Soft wrapping and drawing of the editor's text.
extension TextEditor {
    // MARK: Layout

    /// One screen row of the soft-wrapped text: a slice of a logical line.
    public struct VisualRow: Equatable, Sendable {
        public var line: Int
        public var start: Int
        public var end: Int
    }

    /// Soft-wraps the text to `width` columns, breaking after spaces where possible.
    public func visualRows(width: Int) -> [VisualRow] {
        let width = max(2, width)
        var rows: [VisualRow] = []
        for (lineIndex, line) in lines.enumerated() {
            var start = 0
            var used = 0
            var lastBreak: Int?
            var index = 0
            if line.isEmpty {
                rows.append(VisualRow(line: lineIndex, start: 0, end: 0))
                continue
            }
            while index < line.count {
                let characterWidth = Self.displayWidth(line[index])
                if used + characterWidth > width - 1 && index > start {
                    let breakAt = lastBreak.map { $0 + 1 } ?? index
                    rows.append(VisualRow(line: lineIndex, start: start, end: breakAt))
                    start = breakAt
                    index = breakAt
                    used = 0
                    lastBreak = nil
                    continue
                }
                if line[index] == " " { lastBreak = index }
                used += characterWidth
                index += 1
            }
            rows.append(VisualRow(line: lineIndex, start: start, end: line.count))
        }
        return rows
    }

    static func displayWidth(_ character: Character) -> Int {
        if character.isASCII { return 1 }
        return max(1, DisplayWidth.of(TerminalSanitizer.sanitizeLine(String(character))))
    }

    func visualCursor(in rows: [VisualRow]) -> (row: Int, column: Int) {
        for (index, row) in rows.enumerated() where row.line == cursor.line {
            let isLast = index + 1 >= rows.count || rows[index + 1].line != row.line
            if cursor.column >= row.start && (cursor.column < row.end || isLast) {
                let columns = lines[row.line][row.start..<min(cursor.column, row.end)].reduce(0) {
                    $0 + Self.displayWidth($1)
                }
                return (index, columns)
            }
        }
        return (0, 0)
    }

    func position(inVisualRow row: VisualRow, atDisplayColumn goal: Int, isLastOfLine: Bool)
        -> TextPosition
    {
        var used = 0
        var column = row.start
        let end = isLastOfLine ? row.end : max(row.start, row.end - 1)
        while column < end {
            let characterWidth = Self.displayWidth(lines[row.line][column])
            if used + characterWidth > goal { break }
            used += characterWidth
            column += 1
        }
        return TextPosition(line: row.line, column: column)
    }

    // MARK: Drawing

    /// Draws the visible part into a rectangle of the grid, scrolling to keep the cursor in view, and
    /// places the grid's cursor on the caret when `focused`.
    public mutating func draw(
        into grid: inout CellGrid, row top: Int, column left: Int, width: Int, height: Int,
        focused: Bool
    ) {
        guard width > 1, height > 0 else { return }
        wrapWidth = width
        let rows = visualRows(width: width)
        let caret = visualCursor(in: rows)
        if caret.row < scrollRow { scrollRow = caret.row }
        if caret.row >= scrollRow + height { scrollRow = caret.row - height + 1 }
        scrollRow = max(0, min(scrollRow, max(0, rows.count - 1)))
        let selected = selection
        for offset in 0..<height {
            let index = scrollRow + offset
            guard index < rows.count else { break }
            let visual = rows[index]
            var x = left
            for column in visual.start..<visual.end {
                let position = TextPosition(line: visual.line, column: column)
                var style = Style.normal
                if let selected, position >= selected.start, position < selected.end { style = .selected }
                x = grid.put(
                    String(lines[visual.line][column]), row: top + offset, column: x, style: style,
                    limit: left + width)
            }
            if let selected, visual.end == lines[visual.line].count, visual.line < selected.end.line,
                TextPosition(line: visual.line, column: visual.end) >= selected.start, x < left + width
            {
                grid.put(" ", row: top + offset, column: x, style: .selected)
            }
        }
        if focused { grid.cursor = (top + caret.row - scrollRow, left + caret.column) }
    }
}
