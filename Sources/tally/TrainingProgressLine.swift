import Foundation

/// A training command's progress line: step, loss, the trainer's key metric, tokens/s and ETA. On a terminal it is redrawn in place
/// (carriage return, erase line); elsewhere (a log file, a pipe) it prints plain lines, at most one per
/// `interval` seconds, plus the last step.
///
/// ```swift
/// var progress = TrainingProgressLine(totalSteps: 1000, firstStep: 0)
/// progress.update(step: 10, loss: 3.2, tokensPerSecond: 9500)
/// progress.finish()
/// ```
struct TrainingProgressLine {
    let totalSteps: Int
    /// Where the line goes (standard error by default).
    let output: FileHandle
    /// Whether the output is a terminal: the line is redrawn in place.
    let isTerminal: Bool
    /// Least seconds between two printed lines (redraws on a terminal are also limited, to 10 per second).
    let interval: Double
    private let firstStep: Int
    private let start = DispatchTime.now()
    private var lastPrint: Double = -.infinity
    private var drawn = false

    /// A progress line for steps `firstStep + 1 ... totalSteps` (a resumed run starts past 0).
    init(
        totalSteps: Int, firstStep: Int = 0, output: FileHandle = .standardError, isTerminal: Bool? = nil,
        interval: Double = 2
    ) {
        self.totalSteps = totalSteps
        self.firstStep = firstStep
        self.output = output
        self.isTerminal = isTerminal ?? (isatty(output.fileDescriptor) == 1)
        self.interval = interval
    }

    /// Seconds since the line was made.
    var elapsed: Double { Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9 }

    /// The text of the line for `step` (no newline).
    func text(step: Int, loss: Float, tokensPerSecond: Double, detail: String = "") -> String {
        let done = step - firstStep
        let remaining = totalSteps - step
        let eta = done > 0 ? elapsed / Double(done) * Double(remaining) : 0
        let width = String(totalSteps).count
        let stepText = String(repeating: " ", count: max(0, width - String(step).count)) + String(step)
        return "step \(stepText)/\(totalSteps)  loss \(String(format: "%.4f", loss))  "
            + (detail.isEmpty ? "" : detail + "  ")
            + "\(Self.formatRate(tokensPerSecond)) tok/s  ETA \(Self.formatDuration(eta))"
    }

    /// Shows `step`; prints only when enough time has passed or it is the last step.
    mutating func update(step: Int, loss: Float, tokensPerSecond: Double, detail: String = "") {
        let now = elapsed
        let last = step >= totalSteps
        guard last || now - lastPrint >= (isTerminal ? 0.1 : interval) else { return }
        lastPrint = now
        let line = text(step: step, loss: loss, tokensPerSecond: tokensPerSecond, detail: detail)
        if isTerminal {
            output.write(Data(("\r\u{1B}[2K" + line).utf8))
            drawn = true
        } else {
            output.write(Data((line + "\n").utf8))
        }
    }

    /// Ends the in-place line with a newline (nothing to do for plain lines).
    mutating func finish() {
        if isTerminal && drawn { output.write(Data("\n".utf8)) }
        drawn = false
    }

    /// 12345 → "12.3k", 950 → "950".
    static func formatRate(_ value: Double) -> String {
        if value >= 1e6 { return String(format: "%.2fM", value / 1e6) }
        if value >= 1e4 { return String(format: "%.1fk", value / 1e3) }
        return String(format: "%.0f", value)
    }

    /// 75 → "1m15s", 3700 → "1h01m", 9 → "9s".
    static func formatDuration(_ seconds: Double) -> String {
        guard seconds.isFinite, seconds >= 0 else { return "?" }
        let total = Int(seconds.rounded())
        if total >= 3600 { return String(format: "%dh%02dm", total / 3600, (total % 3600) / 60) }
        if total >= 60 { return String(format: "%dm%02ds", total / 60, total % 60) }
        return "\(total)s"
    }
}
