import Foundation

/// The leaderboard as a plain-text table, one line per model, best first:
///
///     rank  model    BT rating       95% CI  online Elo  battles  win rate
///        1  alpha       1104.1  +45.8/-42.8      1060.0      139     67.6%
///        1  bravo       1021.3  +43.1/-42.6      1010.7      154     53.2%
///        2  charlie     1010.9  +44.1/-45.8      1005.1      139     51.8%
///
/// The interval is shown as the distance from the rating up to the upper bound and down to the lower one.
/// Pure text: no escape codes, so it reads the same with `NO_COLOR`, in a pipe or in a file.
///
/// ```swift
/// print(LeaderboardTable.lines(try Leaderboard(battles)).joined(separator: "\n"))
/// ```
public enum LeaderboardTable {
    /// The header line and one line per entry.
    public static func lines(_ leaderboard: Leaderboard) -> [String] {
        let confidence = String(format: "%g%% CI", leaderboard.bootstrap.confidence * 100)
        let header = ["rank", "model", "BT rating", confidence, "online Elo", "battles", "win rate"]
        let rows = leaderboard.entries.map { entry in
            [
                "\(entry.rank)", entry.name, String(format: "%.1f", entry.rating),
                String(format: "+%.1f/-%.1f", max(0, entry.upper - entry.rating), max(0, entry.rating - entry.lower)),
                String(format: "%.1f", entry.elo), "\(entry.battles)",
                entry.winRate.isFinite ? String(format: "%.1f%%", entry.winRate * 100) : "-",
            ]
        }
        let widths = header.indices.map { column in
            ([header] + rows).map { $0[column].count }.max() ?? 0
        }
        // The model column is left-aligned, the figures right-aligned.
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { column, cell in
                let padding = String(repeating: " ", count: widths[column] - cell.count)
                return column == 1 ? cell + padding : padding + cell
            }.joined(separator: "  ")
        }
        return [line(header)] + rows.map(line)
    }
}
