import Testing

@testable import TallyTUI

@Suite struct DisplayWidthTests {
    @Test func asciiCJKEmojiAndCombiningMarks() {
        #expect(DisplayWidth.of("abc") == 3)
        #expect(DisplayWidth.of("中文") == 4)
        #expect(DisplayWidth.of("ｱ") == 1)  // halfwidth katakana
        #expect(DisplayWidth.of("Ａ") == 2)  // fullwidth A
        #expect(DisplayWidth.of("😀") == 2)
        #expect(DisplayWidth.of("e\u{301}") == 1)
        #expect(DisplayWidth.of("한국어") == 6)
    }

    @Test func joinedEmojiAreTakenApartSoWidthsStayPredictable() {
        // ZWJ family: three emoji of width 2, the joiners dropped.
        #expect(
            GraphemeCells.split("👨‍👩‍👧") == [
                CellUnit(text: "👨", width: 2), CellUnit(text: "👩", width: 2), CellUnit(text: "👧", width: 2),
            ])
        #expect(GraphemeCells.split("👍🏽") == [CellUnit(text: "👍", width: 2)])
        #expect(GraphemeCells.split("❤️") == [CellUnit(text: "❤", width: 1)])
    }

    @Test func combiningMarksAreCappedAndOrphansGetABase() {
        let zalgo = Character("a\u{300}\u{301}\u{302}\u{303}\u{304}\u{305}")
        let units = GraphemeCells.split(zalgo)
        #expect(units.count == 1)
        #expect(units[0].text.unicodeScalars.count == 1 + GraphemeCells.maximumMarksPerCell)
        #expect(GraphemeCells.split(Character("\u{301}")).first?.text.unicodeScalars.first == "\u{25CC}")
    }
}

@Suite struct CellGridTests {
    @Test func wideCharactersTakeALeadAndAContinuationCell() {
        var grid = CellGrid(width: 10, height: 1)
        let end = grid.put("a中b", row: 0, column: 0)
        #expect(end == 4)
        #expect(grid[0, 1].text == "中")
        #expect(grid[0, 1].width == 2)
        #expect(grid[0, 2].isContinuation)
        #expect(grid.rowText(0) == "a中b      ")
    }

    @Test func aWideCharacterThatWouldStraddleTheEdgeBecomesASpace() {
        var grid = CellGrid(width: 5, height: 1)
        grid.put("abcd中", row: 0, column: 0)
        #expect(grid.rowText(0) == "abcd ")
        #expect(grid[0, 4].width == 1)
    }

    @Test func overwritingHalfAWideCharacterRepairsTheOtherHalf() {
        var grid = CellGrid(width: 6, height: 1)
        grid.put("中文", row: 0, column: 0)
        grid.put("x", row: 0, column: 1)  // lands on the continuation of 中
        #expect(grid[0, 0].text == " ")
        #expect(grid[0, 0].width == 1)
        #expect(grid.rowText(0) == " x文  ")
        grid.put("y", row: 0, column: 2)  // lands on the lead of 文
        #expect(grid[0, 3].text == " ")
        #expect(grid[0, 3].width == 1)
    }

    @Test func clippingAtALimitAndPadding() {
        var grid = CellGrid(width: 12, height: 1)
        grid.put("hello world", row: 0, column: 2, limit: 7)
        #expect(grid.rowText(0) == "  hello     ")
        grid.putPadded("ab", row: 0, column: 0, width: 4, style: .selected)
        #expect(grid[0, 3].style == .selected)
    }

    @Test func controlCharactersNeverReachACell() {
        var grid = CellGrid(width: 40, height: 1)
        grid.put("x\u{1B}[2Jy\u{07}\u{9B}31m", row: 0, column: 0)
        for column in 0..<40 {
            for scalar in grid[0, column].text.unicodeScalars {
                #expect(scalar.value >= 0x20 && !(0x7F...0x9F).contains(scalar.value))
            }
        }
        #expect(grid.rowText(0).hasPrefix("x␛[2Jy␇<U+009B>31m"))
    }
}
