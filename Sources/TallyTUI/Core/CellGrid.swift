import TallyIO

/// One terminal cell: the text painted there, its width and its style.
///
/// A wide character occupies a lead cell of width 2 followed by a continuation cell of width 0 whose text is
/// empty; the backend paints only the lead.
public struct Cell: Equatable, Sendable {
    public var text: String
    public var width: UInt8
    public var style: Style

    public static let blank = Cell(text: " ", width: 1, style: .normal)

    public init(text: String, width: UInt8, style: Style) {
        self.text = text
        self.width = width
        self.style = style
    }

    /// Whether this cell is the right half of a wide character.
    public var isContinuation: Bool { width == 0 }
}

/// An in-memory screen: rows × columns of cells that screens draw into and tests read back.
///
/// All text goes through `TerminalSanitizer` on the way in, so nothing drawn here can carry an escape
/// sequence or control character to the terminal.
///
/// ```swift
/// var grid = CellGrid(width: 80, height: 24)
/// grid.put("Rank 中文 responses", row: 0, column: 2, style: .heading)
/// grid.rowText(0)   // "  Rank 中文 responses" + spaces
/// ```
public struct CellGrid: Equatable, Sendable, CustomStringConvertible {
    /// The screen's text, so test failures print what a person would see.
    public var description: String { "\n" + text }

    public let width: Int
    public let height: Int
    public private(set) var cells: [Cell]
    /// Where the terminal cursor should be shown, if anywhere (the editor's caret).
    public var cursor: (row: Int, column: Int)?

    public init(width: Int, height: Int) {
        self.width = max(0, width)
        self.height = max(0, height)
        cells = Array(repeating: .blank, count: self.width * self.height)
    }

    public static func == (lhs: CellGrid, rhs: CellGrid) -> Bool {
        lhs.width == rhs.width && lhs.height == rhs.height && lhs.cells == rhs.cells
            && lhs.cursor?.row == rhs.cursor?.row && lhs.cursor?.column == rhs.cursor?.column
    }

    public subscript(row: Int, column: Int) -> Cell {
        cells[row * width + column]
    }

    /// Blanks every cell and hides the cursor.
    public mutating func clear() {
        for index in cells.indices { cells[index] = .blank }
        cursor = nil
    }

    /// Fills a rectangle with one character (spaces by default) in a style.
    public mutating func fill(
        row: Int, column: Int, width fillWidth: Int, height fillHeight: Int,
        character: Character = " ", style: Style = .normal
    ) {
        let text = String(character)
        let rows = max(0, row)..<max(max(0, row), min(height, row + fillHeight))
        let columns = max(0, column)..<max(max(0, column), min(width, column + fillWidth))
        for y in rows {
            for x in columns {
                setCell(y, x, Cell(text: text, width: 1, style: style))
            }
        }
    }

    /// Writes text on one row from `column`, clipped at `limit` (exclusive; the grid's width by default).
    ///
    /// Newlines and tabs are shown as spaces; controls and escape sequences are shown escaped. A wide
    /// character that would straddle the limit is replaced by a space. Returns the column after the text.
    @discardableResult
    public mutating func put(
        _ text: String, row: Int, column: Int, style: Style = .normal,
        limit: Int? = nil
    ) -> Int {
        guard row >= 0, row < height else { return column }
        let end = min(limit ?? width, width)
        var x = column
        let safe = TerminalSanitizer.isPlainPrintable(text) ? text : TerminalSanitizer.sanitizeLine(text)
        for character in safe {
            if x >= end { break }
            for unit in GraphemeCells.split(character) {
                if x >= end { break }
                if x < 0 {
                    x += unit.width
                    continue
                }
                if unit.width == 2 {
                    if x + 1 >= end {
                        setCell(row, x, Cell(text: " ", width: 1, style: style))
                        x = end
                        break
                    }
                    setCell(row, x, Cell(text: unit.text, width: 2, style: style))
                    setCell(row, x + 1, Cell(text: "", width: 0, style: style))
                    x += 2
                } else {
                    setCell(row, x, Cell(text: unit.text, width: 1, style: style))
                    x += 1
                }
            }
        }
        return x
    }

    /// Writes text padded with spaces (or clipped) to exactly `fieldWidth` columns.
    public mutating func putPadded(
        _ text: String, row: Int, column: Int, width fieldWidth: Int,
        style: Style = .normal
    ) {
        let end = min(column + fieldWidth, width)
        let after = put(text, row: row, column: column, style: style, limit: end)
        if after < end { fill(row: row, column: after, width: end - after, height: 1, style: style) }
    }

    /// Sets one cell, repairing any wide character it cuts in half.
    private mutating func setCell(_ row: Int, _ column: Int, _ cell: Cell) {
        let index = row * width + column
        let old = cells[index]
        if old.width == 0, column > 0, cells[index - 1].width == 2 {
            cells[index - 1] = Cell(text: " ", width: 1, style: cells[index - 1].style)
        }
        if old.width == 2, column + 1 < width, cell.width != 2 {
            cells[index + 1] = Cell(text: " ", width: 1, style: cells[index + 1].style)
        }
        cells[index] = cell
    }

    /// The text of a row as a terminal would show it (continuation cells skipped).
    public func rowText(_ row: Int) -> String {
        var line = ""
        for x in 0..<width {
            let cell = self[row, x]
            if !cell.isContinuation { line += cell.text }
        }
        return line
    }

    /// Every row's text joined by newlines, trailing spaces trimmed: handy in tests and failure messages.
    public var text: String {
        (0..<height).map { row -> String in
            var line = rowText(row)
            while line.last == " " { line.removeLast() }
            return line
        }.joined(separator: "\n")
    }

    /// Whether the screen shows `needle` anywhere on one row.
    public func contains(_ needle: String) -> Bool {
        (0..<height).contains { rowText($0).contains(needle) }
    }

    /// The first row showing `needle`, if any.
    public func row(containing needle: String) -> Int? {
        (0..<height).first { rowText($0).contains(needle) }
    }
}
