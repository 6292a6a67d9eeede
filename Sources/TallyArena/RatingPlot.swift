import Foundation

/// Ratings and their intervals drawn with text: one row per model on a shared horizontal axis, the interval as
/// a whisker `├───●───┤` with `●` at the rating, dotted guides `·` above the axis ticks, and the rating printed
/// at the end of the row:
///
///     alpha         ·          ·     ├────●────┤  1104.1
///     bravo         ·       ├────●────┤   ·       1021.3
///     charlie       ·      ├────●────┤    ·       1010.9
///     delta         ·├────●────┤          ·        959.2
///     echo     ├────●────┤     ·          ·        904.5
///              ─────┬──────────┬──────────┬─────
///                  900       1000       1100
///              ● rating  ├─┤ 95% interval
///
/// Pure text without escape codes, so it reads the same with `NO_COLOR`, in a pipe or in a file.
///
/// ```swift
/// let lines = RatingPlot(width: 80).lines(try Leaderboard(battles))
/// print(lines.joined(separator: "\n"))
/// ```
public struct RatingPlot: Sendable {
    /// One row to draw.
    public struct Row: Sendable, Equatable {
        /// The model's name.
        public var name: String
        /// Its rating (the `●`).
        public var rating: Double
        /// The interval's lower end.
        public var lower: Double
        /// The interval's upper end.
        public var upper: Double

        /// A row with every figure given.
        public init(name: String, rating: Double, lower: Double, upper: Double) {
            self.name = name
            self.rating = rating
            self.lower = lower
            self.upper = upper
        }
    }

    /// Columns of every line (the plot area gets what the names and figures leave, at least 10).
    public var width: Int
    /// The longest name shown in full; longer ones are cut with `…`.
    public var maximumNameWidth = 24

    /// A plot `width` columns wide.
    public init(width: Int = 80) {
        self.width = width
    }

    /// The leaderboard's models, best first, with the legend naming its confidence level.
    public func lines(_ leaderboard: Leaderboard) -> [String] {
        let rows = leaderboard.entries.map { Row(name: $0.name, rating: $0.rating, lower: $0.lower, upper: $0.upper) }
        return lines(rows, confidence: leaderboard.bootstrap.confidence)
    }

    /// One line per row, then the axis, its labels and the legend.
    public func lines(_ rows: [Row], confidence: Double = 0.95) -> [String] {
        let legend = "● rating  ├─┤ " + String(format: "%g%% interval", confidence * 100)
        let values = rows.flatMap { [$0.rating, $0.lower, $0.upper] }.filter(\.isFinite)
        guard var low = values.min(), var high = values.max() else { return ["(no ratings to plot)"] }
        if high - low < 1e-9 {
            low -= 10
            high += 10
        }
        let names = rows.map { Self.cut($0.name, to: maximumNameWidth) }
        let nameWidth = names.map(\.count).max() ?? 0
        let figures = rows.map { $0.rating.isFinite ? String(format: "%.1f", $0.rating) : "-" }
        let figureWidth = figures.map(\.count).max() ?? 0
        let cells = max(10, width - nameWidth - figureWidth - 4)
        func column(_ value: Double) -> Int {
            min(cells - 1, max(0, Int(((value - low) / (high - low) * Double(cells - 1)).rounded())))
        }
        let ticks = Self.ticks(low: low, high: high, target: max(2, cells / 10))
        let tickColumns = Set(ticks.values.map(column))

        var lines: [String] = []
        let indent = String(repeating: " ", count: nameWidth + 2)
        for (index, row) in rows.enumerated() {
            var area = [Character](repeating: " ", count: cells)
            for tick in tickColumns { area[tick] = "·" }
            if row.lower.isFinite, row.upper.isFinite {
                let left = column(min(row.lower, row.upper))
                let right = column(max(row.lower, row.upper))
                for cell in left...right { area[cell] = "─" }
                area[left] = "├"
                area[right] = "┤"
            }
            if row.rating.isFinite { area[column(row.rating)] = "●" }
            let name = names[index] + String(repeating: " ", count: nameWidth - names[index].count)
            let figure = String(repeating: " ", count: figureWidth - figures[index].count) + figures[index]
            lines.append(name + "  " + String(area) + "  " + figure)
        }
        var axis = [Character](repeating: "─", count: cells)
        for tick in tickColumns { axis[tick] = "┬" }
        lines.append(indent + String(axis))
        var labels = [Character](repeating: " ", count: cells)
        var free = 0
        for value in ticks.values {
            let label = Array(String(format: "%.\(ticks.decimals)f", value))
            let start = min(max(0, column(value) - label.count / 2), max(0, cells - label.count))
            guard start >= free, start + label.count <= cells else { continue }
            for (offset, character) in label.enumerated() { labels[start + offset] = character }
            free = start + label.count + 1
        }
        lines.append(indent + String(labels).replacingOccurrences(of: "\\s+$", with: "", options: .regularExpression))
        lines.append(indent + legend)
        return lines
    }

    /// Round tick values (1, 2 or 5 × a power of ten apart) between `low` and `high`, about `target` of them,
    /// and how many decimals their labels need.
    static func ticks(low: Double, high: Double, target: Int) -> (values: [Double], decimals: Int) {
        let raw = (high - low) / Double(target)
        let magnitude = pow(10, (log10(raw)).rounded(.down))
        let step = [1.0, 2, 5, 10].map { $0 * magnitude }.first { $0 >= raw } ?? 10 * magnitude
        var values: [Double] = []
        var multiple = (low / step).rounded(.up)
        while multiple * step <= high + step * 1e-9 {
            values.append(multiple * step)
            multiple += 1
        }
        let decimals = step >= 1 ? 0 : Int((-log10(step)).rounded(.up))
        return (values, decimals)
    }

    /// `name` cut to `width` characters, ending in `…` when cut.
    static func cut(_ name: String, to width: Int) -> String {
        name.count <= width ? name : String(name.prefix(max(0, width - 1))) + "…"
    }
}
