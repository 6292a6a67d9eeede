import Foundation

/// One curve to plot: a name for the legend and its points in x order. Points whose value is NaN or infinite
/// are skipped (the line joins their neighbours).
struct PlotSeries {
    var name: String
    var points: [(x: Double, y: Double)]
}

/// Line plots drawn with text, for a terminal: a pure function from series to lines.
///
/// The first series is a line of braille dots (each character cell holds 2×4 dots, so a plot of 70 cells by
/// 12 rows has 140×48 dots); every further series is a marker character per cell (`×`, then `+`, `o`, …) drawn
/// over it, so overlaid series stay distinguishable without colour. Colour is only an extra (`colors`). The y
/// axis is labelled with the top and bottom values (the data's maximum and minimum), the x axis with the first
/// and last x.
///
/// Long series are not averaged: consecutive points are joined by straight segments, so a dot column that
/// covers many points spans their minimum to their maximum and a spike stays visible.
///
/// ```swift
/// let plot = TerminalPlot(width: 80, height: 12)
/// let lines = plot.render([PlotSeries(name: "loss", points: [(1, 2.3), (2, 2.1), (3, 1.8)])])
/// print(lines.joined(separator: "\n"))
/// ```
struct TerminalPlot {
    /// Columns of every line, axis labels included (the plot area is at least 8 cells wide).
    var width: Int
    /// Rows of the plot area (each 4 dots high).
    var height: Int
    /// Wraps each series in its own ANSI colour.
    var colors = false
    /// The name under the x axis.
    var xName = "step"
    /// Formats the y-axis labels.
    var formatValue: (Double) -> String = TerminalPlot.compact

    /// The markers of the second, third, … series.
    static let markers: [Character] = ["×", "+", "o", "*", "#", "@"]
    /// ANSI colours by series: cyan, yellow, magenta, green, blue, red.
    static let colorCodes = [36, 33, 35, 32, 34, 31]

    /// The legend line, the plot's rows, the x axis and its labels.
    func render(_ series: [PlotSeries]) -> [String] {
        let finite = series.map { entry in
            PlotSeries(name: entry.name, points: entry.points.filter { $0.x.isFinite && $0.y.isFinite })
        }
        let all = finite.flatMap(\.points)
        let legend = legendLine(finite)
        guard let first = all.first else { return [legend, "  (no finite values to plot)"] }
        var (low, high) = all.reduce((first.y, first.y)) { (min($0.0, $1.y), max($0.1, $1.y)) }
        if low == high {
            // A constant series sits in the middle row rather than on an axis.
            let margin = low == 0 ? 1 : abs(low) * 0.1
            (low, high) = (low - margin, high + margin)
        }
        let (xLow, xHigh) = all.reduce((first.x, first.x)) { (min($0.0, $1.x), max($0.1, $1.x)) }
        let topLabel = formatValue(high)
        let bottomLabel = formatValue(low)
        let labelWidth = max(topLabel.count, bottomLabel.count)
        let rows = max(1, height)
        let cells = max(8, width - labelWidth - 2)
        var grid = PlotGrid(columns: cells, rows: rows)
        let scale = PlotScale(
            xLow: xLow, xHigh: xHigh, yLow: low, yHigh: high, dotColumns: cells * 2, dotRows: rows * 4)
        for (index, entry) in finite.enumerated() {
            let dots = entry.points.map(scale.dot)
            if index == 0 {
                grid.drawLine(through: dots)
            } else {
                grid.mark(dots, with: Self.markers[(index - 1) % Self.markers.count], series: index)
            }
        }
        var lines = [legend]
        for row in 0..<rows {
            let label = row == 0 ? topLabel : row == rows - 1 ? bottomLabel : ""
            let axis = row == 0 || row == rows - 1 ? "┤" : "│"
            lines.append(pad(label, labelWidth) + " " + axis + grid.text(row: row, colors: colors))
        }
        let indent = String(repeating: " ", count: labelWidth + 2)
        lines.append(String(repeating: " ", count: labelWidth + 1) + "└" + String(repeating: "─", count: cells))
        lines.append(indent + xLabels(low: xLow, high: xHigh, width: cells))
        return lines
    }

    /// The series names, each after its dot or marker when there are several.
    private func legendLine(_ series: [PlotSeries]) -> String {
        guard series.count > 1 else { return series.first?.name ?? "" }
        return series.enumerated().map { index, entry in
            let symbol = index == 0 ? "⠤⠒" : String(Self.markers[(index - 1) % Self.markers.count])
            return paint(symbol, series: index) + " " + entry.name
        }.joined(separator: "   ")
    }

    /// The first x at the left edge, the last at the right, the x axis's name between them when it fits.
    private func xLabels(low: Double, high: Double, width: Int) -> String {
        let first = Self.compact(low)
        guard high > low else { return first + "  " + xName }
        let last = Self.compact(high)
        let gap = width - first.count - last.count
        guard gap >= xName.count + 2 else { return first + String(repeating: " ", count: max(1, gap)) + last }
        let before = (gap - xName.count) / 2
        return first + String(repeating: " ", count: before) + xName
            + String(repeating: " ", count: gap - before - xName.count) + last
    }

    private func paint(_ text: String, series: Int) -> String {
        guard colors else { return text }
        return "\u{1B}[\(Self.colorCodes[series % Self.colorCodes.count])m" + text + "\u{1B}[0m"
    }

    private func pad(_ text: String, _ width: Int) -> String {
        String(repeating: " ", count: max(0, width - text.count)) + text
    }

    /// Four significant digits, integers without a fraction: `2.346`, `0.00012`, `1.235e+05`, `200`.
    static func compact(_ value: Double) -> String {
        if value == value.rounded(), abs(value) < 1e9 { return String(Int(value)) }
        return String(format: "%.4g", value)
    }
}

/// Maps data coordinates to dot coordinates: x from 0 (left) to `dotColumns − 1`, y from 0 (bottom) to
/// `dotRows − 1`, both fractional.
private struct PlotScale {
    var xLow: Double
    var xHigh: Double
    var yLow: Double
    var yHigh: Double
    var dotColumns: Int
    var dotRows: Int

    func dot(_ point: (x: Double, y: Double)) -> (x: Double, y: Double) {
        let x = xHigh > xLow ? (point.x - xLow) / (xHigh - xLow) * Double(dotColumns - 1) : 0
        let y = (point.y - yLow) / (yHigh - yLow) * Double(dotRows - 1)
        return (x, y)
    }
}

/// The character cells of a plot: braille dots of the line, markers of the other series.
private struct PlotGrid {
    enum Cell {
        case dots(UInt8)
        case marker(Character, series: Int)
    }

    /// The braille bit (added to U+2800) of the dot at (row 0...3 from the top, column 0...1) of a cell.
    private static let dotBits: [[UInt8]] = [[0x01, 0x08], [0x02, 0x10], [0x04, 0x20], [0x40, 0x80]]

    let columns: Int
    let rows: Int
    /// Row-major, row 0 at the top.
    private var cells: [Cell]

    init(columns: Int, rows: Int) {
        self.columns = columns
        self.rows = rows
        cells = Array(repeating: .dots(0), count: columns * rows)
    }

    /// Joins consecutive points by straight segments: every dot column the segment crosses is filled from the
    /// segment's lowest to its highest y within that column.
    mutating func drawLine(through points: [(x: Double, y: Double)]) {
        guard var previous = points.first else { return }
        setDot(x: Int(previous.x.rounded()), y: Int(previous.y.rounded()))
        for point in points.dropFirst() {
            let (left, right) = previous.x <= point.x ? (previous, point) : (point, previous)
            let firstColumn = Int(left.x.rounded())
            let lastColumn = Int(right.x.rounded())
            for column in firstColumn...lastColumn {
                let from = max(Double(column) - 0.5, left.x)
                let to = min(Double(column) + 0.5, right.x)
                let vertical = left.x == right.x
                let y1 = vertical ? left.y : Self.interpolate(left, right, at: from)
                let y2 = vertical ? right.y : Self.interpolate(left, right, at: to)
                let low = Int(min(y1, y2).rounded())
                let high = Int(max(y1, y2).rounded())
                for y in low...high { setDot(x: column, y: y) }
            }
            previous = point
        }
    }

    /// Puts `marker` in the cell of every point, over any dots there.
    mutating func mark(_ points: [(x: Double, y: Double)], with marker: Character, series: Int) {
        for point in points {
            let (column, row) = cell(x: Int(point.x.rounded()), y: Int(point.y.rounded()))
            cells[row * columns + column] = .marker(marker, series: series)
        }
    }

    /// Row `row` as text; with `colors`, each run of one series' cells in its colour.
    func text(row: Int, colors: Bool) -> String {
        var text = ""
        var openSeries: Int?
        for column in 0..<columns {
            let character: Character
            var series: Int?
            switch cells[row * columns + column] {
            case .dots(let bits):
                character = bits == 0 ? " " : Character(UnicodeScalar(0x2800 + UInt32(bits))!)
                series = bits == 0 ? nil : 0
            case .marker(let marker, let index):
                character = marker
                series = index
            }
            if colors, let series, series != openSeries {
                if openSeries != nil { text += "\u{1B}[0m" }
                text += "\u{1B}[\(TerminalPlot.colorCodes[series % TerminalPlot.colorCodes.count])m"
                openSeries = series
            } else if colors, series == nil, openSeries != nil {
                text += "\u{1B}[0m"
                openSeries = nil
            }
            text.append(character)
        }
        if openSeries != nil { text += "\u{1B}[0m" }
        return text
    }

    private mutating func setDot(x: Int, y: Int) {
        let (column, row) = cell(x: x, y: y)
        let (dotX, dotFromTop) = clamped(x: x, y: y)
        if case .dots(let bits) = cells[row * columns + column] {
            cells[row * columns + column] = .dots(bits | Self.dotBits[dotFromTop % 4][dotX % 2])
        }
    }

    /// The cell holding dot (x, y), y counted from the bottom.
    private func cell(x: Int, y: Int) -> (column: Int, row: Int) {
        let (dotX, dotFromTop) = clamped(x: x, y: y)
        return (dotX / 2, dotFromTop / 4)
    }

    /// Dot (x, y) moved inside the grid, with y counted from the top.
    private func clamped(x: Int, y: Int) -> (x: Int, fromTop: Int) {
        (min(max(x, 0), columns * 2 - 1), rows * 4 - 1 - min(max(y, 0), rows * 4 - 1))
    }

    private static func interpolate(_ a: (x: Double, y: Double), _ b: (x: Double, y: Double), at x: Double) -> Double {
        a.y + (b.y - a.y) * (x - a.x) / (b.x - a.x)
    }
}
