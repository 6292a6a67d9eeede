import Testing

@testable import tally

/// `TerminalPlot`: known series drawn as known characters.
@Suite struct TerminalPlotTests {
    /// The braille bits of the character at (row, column) of the plot area (row 0 at the top), 0 for a space.
    private func dots(_ lines: [String], row: Int, column: Int, labelWidth: Int) -> UInt32 {
        let characters = Array(lines[1 + row].unicodeScalars)
        let scalar = characters[labelWidth + 2 + column]
        if scalar == " " { return 0 }
        #expect((0x2800...0x28FF).contains(scalar.value), "not braille: \(scalar)")
        return scalar.value - 0x2800
    }

    /// The plot area's rows (without labels and axis).
    private func area(_ lines: [String], rows: Int, labelWidth: Int) -> [String] {
        (1...rows).map { String(lines[$0].dropFirst(labelWidth + 2)) }
    }

    @Test func risingLineStartsAtTheBottomLeftAndEndsAtTheTopRight() {
        let plot = TerminalPlot(width: 13, height: 3)  // labels "1" and "0": 10 cells, 20×12 dots
        let lines = plot.render([PlotSeries(name: "loss", points: [(1, 0), (10, 1)])])
        #expect(lines.count == 1 + 3 + 2)
        #expect(lines[0] == "loss")
        #expect(lines[1].hasPrefix("1 ┤"))
        #expect(lines[3].hasPrefix("0 ┤"))
        #expect(lines[2].hasPrefix("  │"))
        // The first dot column starts at the bottom dot (bit 0x40); the last ends at the top dot (bit 0x08).
        #expect(dots(lines, row: 2, column: 0, labelWidth: 1) & 0x40 != 0)
        #expect(dots(lines, row: 0, column: 9, labelWidth: 1) & 0x08 != 0)
        // The opposite corners stay empty: the line rises.
        #expect(dots(lines, row: 0, column: 0, labelWidth: 1) == 0)
        #expect(dots(lines, row: 2, column: 9, labelWidth: 1) == 0)
        // Every column has a dot: the segment is drawn continuously.
        for column in 0..<10 {
            #expect((0..<3).contains { dots(lines, row: $0, column: column, labelWidth: 1) != 0 })
        }
        #expect(lines[4] == "  └──────────")
        #expect(lines[5] == "   1 step  10")
    }

    @Test func fallingSeriesHasTheMaximumOnTopAndFirstAndLastStepsOnTheXAxis() {
        let points = (0...100).map { (Double($0 + 1), 2.5 - Double($0) / 50) }
        let lines = TerminalPlot(width: 40, height: 6).render([PlotSeries(name: "loss", points: points)])
        #expect(lines[1].hasPrefix("2.5 ┤"))
        #expect(lines[6].hasPrefix("0.5 ┤"))
        #expect(dots(lines, row: 0, column: 0, labelWidth: 3) & 0x01 != 0)
        #expect(dots(lines, row: 5, column: 34, labelWidth: 3) & 0x80 != 0)
        #expect(lines.last!.hasPrefix("     1 "))
        #expect(lines.last!.hasSuffix(" 101"))
        #expect(lines.allSatisfy { $0.count <= 40 })
    }

    @Test func constantSeriesIsOneRowOfDotsInTheMiddle() {
        let points = (1...50).map { (Double($0), 3.0) }
        let lines = TerminalPlot(width: 30, height: 5).render([PlotSeries(name: "lr", points: points)])
        let rows = area(lines, rows: 5, labelWidth: 3)  // labels 3.3 and 2.7
        #expect(lines[1].hasPrefix("3.3 ┤") && lines[5].hasPrefix("2.7 ┤"))
        let filled = rows.indices.filter { rows[$0].contains { $0 != " " } }
        #expect(filled == [2])
        // One dot row across the whole width: every cell holds the same two dots.
        #expect(Set(rows[2]).count == 1)
        #expect(rows[2].count == 30 - 3 - 2)
    }

    @Test func nanAndInfinityAreSkipped() {
        let clean: [(x: Double, y: Double)] = [(1, 1), (4, 2)]
        let dirty: [(x: Double, y: Double)] = [(1, 1), (2, .nan), (3, .infinity), (4, 2), (5, -.infinity)]
        let plot = TerminalPlot(width: 20, height: 4)
        let withGaps = plot.render([PlotSeries(name: "m", points: dirty)])
        #expect(withGaps.dropLast() == plot.render([PlotSeries(name: "m", points: clean)]).dropLast())
        #expect(withGaps[1].hasPrefix("2 ┤") && withGaps[4].hasPrefix("1 ┤"))
        #expect(withGaps.last!.hasSuffix("4"))
        let nothing = plot.render([PlotSeries(name: "m", points: [(1, .nan)])])
        #expect(nothing == ["m", "  (no finite values to plot)"])
    }

    @Test func singlePointIsOneCellAtTheLeft() {
        let lines = TerminalPlot(width: 20, height: 4).render([PlotSeries(name: "eval/loss", points: [(7, 0.5)])])
        let rows = area(lines, rows: 4, labelWidth: 4)
        let marked = rows.enumerated().flatMap { row, text in
            text.enumerated().filter { $0.element != " " }.map { (row, $0.offset) }
        }
        #expect(marked.count == 1)
        #expect(marked.first?.1 == 0)
        #expect(lines.last == "      7  step")
    }

    @Test func overlaidSeriesUseMarkersAndALegendWithoutColor() {
        let train = (1...100).map { (Double($0), 3 - Double($0) / 50) }
        let eval = stride(from: 20, through: 100, by: 20).map { (Double($0), 2.9 - Double($0) / 50) }
        let lines = TerminalPlot(width: 60, height: 8).render([
            PlotSeries(name: "loss", points: train), PlotSeries(name: "eval/loss", points: eval),
        ])
        #expect(lines[0] == "⠤⠒ loss   × eval/loss")
        #expect(lines.joined().filter { $0 == "×" }.count == 1 + 5)
        #expect(!lines.joined().contains("\u{1B}"))
        #expect(lines.joined().unicodeScalars.contains { (0x2801...0x28FF).contains($0.value) })
    }

    @Test func colorsWrapEachSeriesInItsOwnEscapeWhenAsked() {
        let series = [
            PlotSeries(name: "loss", points: [(1, 2), (2, 1)]), PlotSeries(name: "eval/loss", points: [(2, 1.5)]),
        ]
        let lines = TerminalPlot(width: 30, height: 4, colors: true).render(series)
        let text = lines.joined(separator: "\n")
        #expect(text.contains("\u{1B}[36m") && text.contains("\u{1B}[33m×"))
        #expect(
            text.components(separatedBy: "\u{1B}[0m").count - 1 == text.components(separatedBy: "\u{1B}[3").count - 1)
    }

    @Test func manyPointsPerColumnSpanTheirMinimumToMaximum() {
        // 1000 steps alternating between 0 and 1 in 10 cells: every dot column spans the full height.
        let points = (0..<1000).map { (Double($0), Double($0 % 2)) }
        let lines = TerminalPlot(width: 13, height: 2).render([PlotSeries(name: "noisy", points: points)])
        let rows = area(lines, rows: 2, labelWidth: 1)
        #expect(rows.allSatisfy { $0 == String(repeating: "⣿", count: 10) })
    }
}
