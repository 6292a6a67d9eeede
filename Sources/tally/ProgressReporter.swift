import Foundation

/// A progress line with rate and ETA on standard error: redrawn in place on a terminal, printed
/// every few seconds (and at the end) when standard error is a file or a pipe.
final class ProgressReporter {
    private let label: String
    /// Units of work in all (may be set once known).
    var total: Int
    private let unit: String
    private let started = Date()
    private var lastPrinted = Date.distantPast
    private let isTerminal = isatty(STDERR_FILENO) == 1
    private var drewInPlace = false

    /// A line for `total` units of work, e.g. `ProgressReporter("sample", total: 200, unit: "prompts")`.
    init(_ label: String, total: Int, unit: String) {
        self.label = label
        self.total = total
        self.unit = unit
    }

    /// Seconds since the line was made.
    var elapsed: Double { Date().timeIntervalSince(started) }

    /// Reports `done` units, with an optional detail (e.g. "812 tokens/s"); throttled.
    func update(_ done: Int, detail: String = "") {
        let now = Date()
        let interval = isTerminal ? 0.25 : 5
        guard now.timeIntervalSince(lastPrinted) >= interval || done >= total else { return }
        lastPrinted = now
        let elapsed = self.elapsed
        let eta = done > 0 ? elapsed / Double(done) * Double(max(0, total - done)) : Double.nan
        var line = "\(label): \(done)/\(total) \(unit)"
        if !detail.isEmpty { line += ", " + detail }
        line += String(format: ", %.0fs elapsed", elapsed)
        if done < total { line += eta.isFinite ? String(format: ", ETA %.0fs", eta) : ", ETA …" }
        if isTerminal {
            FileHandle.standardError.write(Data(("\r\u{1B}[K" + line).utf8))
            drewInPlace = true
        } else {
            FileHandle.standardError.write(Data((line + "\n").utf8))
        }
    }

    /// Ends the in-place line so that the next output starts on a fresh line.
    func finish() {
        if drewInPlace { FileHandle.standardError.write(Data("\n".utf8)) }
        drewInPlace = false
    }
}
