import Foundation
import TallyIO

/// The progress of a long job, on standard error, the same for every command.
///
/// On a terminal it is one line redrawn in place (at most ten times a second) with the count, the caller's
/// detail and an ETA, and cleared by ``finish()``. When standard error is a file or a pipe (a log, CI), it is a
/// plain line every few seconds, not every step, and one summary line at the end.
///
/// ```swift
/// let progress = ProgressLine("sample", total: prompts.count, unit: "prompts")
/// for (index, prompt) in prompts.enumerated() {
///     …
///     progress.update(index + 1, detail: ProgressLine.rate(tokens / progress.elapsed, unit: "tokens/s"))
/// }
/// progress.finish()    // a terminal: the line is cleared; a log: "sample: 200/200 prompts (100%) in 1m05s, …"
/// ```
final class ProgressLine {
    /// What the count counts.
    enum Quantity: Equatable {
        /// Things, named in the plural ("prompts", "steps").
        case count(String)
        /// Bytes, shown in megabytes.
        case bytes
    }

    /// Where the line goes and whether it is redrawn in place.
    struct Output {
        /// Writes text as it is (no newline added).
        var write: (String) -> Void
        /// Whether the output is a terminal: the line is redrawn in place rather than repeated.
        var isTerminal: Bool

        /// Standard error, redrawn in place when it is a terminal.
        static var standardError: Output {
            Output(
                write: { FileHandle.standardError.write(Data($0.utf8)) },
                isTerminal: isatty(STDERR_FILENO) == 1)
        }
    }

    /// Seconds between two plain lines when the output is not a terminal.
    static let plainInterval: Double = 5
    /// Seconds between two redraws on a terminal.
    static let redrawInterval: Double = 0.1

    /// Units of work in all (0 while unknown; may be set once known).
    var total: Int
    private let label: String
    private let quantity: Quantity
    private let firstDone: Int
    private let output: Output
    private let clock: () -> Double
    private let started: Double
    private var lastShown: Double
    private var done: Int
    private var detail = ""
    private var updated = false
    private var drawn = false

    /// A line for `total` units of work counted from `startingAt` (a resumed run starts past 0, and its ETA
    /// comes from the work done since). `clock` gives seconds on a monotonic clock (tests pass their own).
    init(
        _ label: String, total: Int, quantity: Quantity, startingAt: Int = 0, output: Output = .standardError,
        clock: @escaping () -> Double = ProgressLine.monotonicSeconds
    ) {
        self.label = TerminalSanitizer.sanitizeLine(label)
        self.total = total
        self.quantity = quantity
        self.firstDone = startingAt
        self.done = startingAt
        self.output = output
        self.clock = clock
        started = clock()
        // A log gets its first line after the first interval: a quick job prints only its summary.
        lastShown = output.isTerminal ? -.infinity : started
    }

    /// A line counting `unit` (plural, e.g. "prompts").
    convenience init(
        _ label: String, total: Int, unit: String, startingAt: Int = 0, output: Output = .standardError,
        clock: @escaping () -> Double = ProgressLine.monotonicSeconds
    ) {
        self.init(label, total: total, quantity: .count(unit), startingAt: startingAt, output: output, clock: clock)
    }

    /// Seconds since the line was made.
    var elapsed: Double { clock() - started }

    /// Reports `done` units with an optional detail (e.g. "loss 2.3125, 9.5k tok/s"); shown when enough time has
    /// passed since the last time, and on a terminal always for the last unit.
    func update(_ done: Int, detail: String = "") {
        self.done = done
        self.detail = TerminalSanitizer.sanitizeLine(detail)
        updated = true
        let now = clock()
        if output.isTerminal {
            guard now - lastShown >= Self.redrawInterval || (total > 0 && done >= total) else { return }
            lastShown = now
            output.write("\r\u{1B}[2K" + Self.fitted(text(elapsed: now - started), columns: terminalColumns()))
            drawn = true
        } else {
            // The last unit is left to the summary.
            guard now - lastShown >= Self.plainInterval, total <= 0 || done < total else { return }
            lastShown = now
            output.write(text(elapsed: now - started) + "\n")
        }
    }

    /// Takes the redrawn line off the terminal so that other output can be printed; the next ``update(_:detail:)``
    /// draws it again. Does nothing when the output is not a terminal.
    func clear() {
        guard drawn else { return }
        output.write("\r\u{1B}[2K")
        drawn = false
    }

    /// Ends the line: on a terminal it is cleared; elsewhere a summary line is printed, if any work was reported.
    func finish() {
        if output.isTerminal {
            clear()
        } else if updated {
            output.write(summary(elapsed: elapsed) + "\n")
        }
        updated = false
    }

    /// The line after `elapsed` seconds: `label: done/total unit (percent), detail, ETA …`.
    func text(elapsed: Double) -> String {
        var parts = [label + ": " + count()]
        if !detail.isEmpty { parts.append(detail) }
        if total > 0 { parts.append("ETA " + Self.duration(eta(elapsed: elapsed))) }
        return parts.joined(separator: ", ")
    }

    /// The last line of a log: `label: done/total unit in 1m05s, detail`.
    func summary(elapsed: Double) -> String {
        label + ": " + count() + " in " + Self.duration(elapsed) + (detail.isEmpty ? "" : ", " + detail)
    }

    /// Seconds left at the pace since the start, or `nan` while it is unknown (nothing done yet).
    func eta(elapsed: Double) -> Double {
        let doneHere = done - firstDone
        guard total > 0, doneHere > 0, elapsed > 0 else { return .nan }
        return elapsed / Double(doneHere) * Double(max(0, total - done))
    }

    private func count() -> String {
        switch quantity {
        case .count(let unit):
            guard total > 0 else { return "\(done) \(unit)" }
            return "\(done)/\(total) \(unit) (\(Self.percent(done, of: total)))"
        case .bytes:
            guard total > 0 else { return Self.megabytes(done) + " MB" }
            return Self.megabytes(done) + "/" + Self.megabytes(total) + " MB (\(Self.percent(done, of: total)))"
        }
    }

    /// A duration the way every progress line shows it: "9s", "1m15s", "1h01m"; "?" when unknown.
    static func duration(_ seconds: Double) -> String {
        guard seconds.isFinite, seconds >= 0 else { return "?" }
        let whole = Int(seconds.rounded())
        if whole >= 3600 { return String(format: "%dh%02dm", whole / 3600, (whole % 3600) / 60) }
        if whole >= 60 { return String(format: "%dm%02ds", whole / 60, whole % 60) }
        return "\(whole)s"
    }

    /// A rate with its unit: 950 → "950 tok/s", 12345 → "12.3k tok/s", 2.5e6 → "2.50M tok/s".
    static func rate(_ perSecond: Double, unit: String) -> String {
        let value = perSecond.isFinite ? max(0, perSecond) : 0
        let number: String
        if value >= 1e6 {
            number = String(format: "%.2fM", value / 1e6)
        } else if value >= 1e4 {
            number = String(format: "%.1fk", value / 1e3)
        } else if value >= 10 {
            number = String(format: "%.0f", value)
        } else {
            number = String(format: "%.1f", value)
        }
        return number + " " + unit
    }

    /// Seconds on a clock that never goes back.
    static func monotonicSeconds() -> Double {
        Double(DispatchTime.now().uptimeNanoseconds) / 1e9
    }

    private static func percent(_ done: Int, of total: Int) -> String {
        "\(Int((100 * Double(min(done, total)) / Double(total)).rounded(.down)))%"
    }

    private static func megabytes(_ bytes: Int) -> String {
        String(format: "%.1f", Double(bytes) / 1e6)
    }

    /// `line` cut to fit a terminal row: a line that wraps could not be redrawn in place.
    static func fitted(_ line: String, columns: Int) -> String {
        let room = max(10, columns - 1)
        guard line.count > room else { return line }
        return String(line.prefix(room - 1)) + "…"
    }

    private func terminalColumns() -> Int {
        var size = winsize()
        if ioctl(STDERR_FILENO, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 { return Int(size.ws_col) }
        return 80
    }
}
