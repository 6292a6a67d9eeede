import Testing

@testable import TallyTUI

/// Paints into a headless curses screen and reads the cells back: grid widths and ncurses widths agree.
@Suite(.serialized) struct NcursesTerminalTests {
    @Test func paintedCellsMatchTheGridForWideAndCombiningCharacters() throws {
        let terminal = try NcursesTerminal(environment: ["NO_COLOR": "1"], headless: (rows: 6, columns: 30))
        defer { terminal.close() }
        #expect(terminal.width == 30 && terminal.height == 6)
        #expect(!terminal.usesColor)
        var grid = CellGrid(width: 30, height: 6)
        grid.put("a中b😀e\u{301}x", row: 1, column: 0)
        grid.put("\u{1B}[2J", row: 2, column: 0)
        terminal.paint(grid)
        #expect(terminal.cellText(row: 1, column: 0) == "a")
        #expect(terminal.cellText(row: 1, column: 1) == "中")
        #expect(terminal.cellText(row: 1, column: 3) == "b")
        #expect(terminal.cellText(row: 1, column: 4) == "😀")
        #expect(terminal.cellText(row: 1, column: 6) == "e\u{301}")
        #expect(terminal.cellText(row: 1, column: 7) == "x")
        #expect(terminal.cellText(row: 2, column: 0) == "␛")
        // A second paint only touches what changed, and the result is the same as a full paint.
        grid.put("Z", row: 1, column: 3)
        grid.put("中", row: 1, column: 0)  // overwrites "a" and half of the old 中
        terminal.paint(grid)
        #expect(terminal.cellText(row: 1, column: 0) == "中")
        #expect(terminal.cellText(row: 1, column: 2) == " ")
        #expect(terminal.cellText(row: 1, column: 3) == "Z")
    }

    @Test func colourIsUsedUnlessNoColorIsSet() throws {
        let coloured = try NcursesTerminal(environment: ["NO_COLOR": ""], headless: (rows: 5, columns: 20))
        #expect(coloured.usesColor)  // xterm-256color has colours; an empty NO_COLOR does not count
        coloured.close()
        let plain = try NcursesTerminal(environment: ["NO_COLOR": "yes"], headless: (rows: 5, columns: 20))
        #expect(!plain.usesColor)
        plain.close()
    }
}
