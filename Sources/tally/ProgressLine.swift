import Foundation

/// A one-line progress report with an ETA on standard error, redrawn in place; shown only when
/// standard error is a terminal, and at most a few times a second.
final class ProgressLine {
    private let label: String
    private let start = Date()
    private var lastDrawn = Date.distantPast
    private var drawn = false
    private let enabled = isatty(STDERR_FILENO) != 0

    init(_ label: String) {
        self.label = TerminalText.sanitized(label, keepNewlines: false)
    }

    /// Reports `done` of `total` units (`unit` names them, e.g. "MB").
    func update(_ done: Double, of total: Double, unit: String) {
        guard enabled, total > 0 else { return }
        let now = Date()
        guard now.timeIntervalSince(lastDrawn) >= 0.25 || done >= total else { return }
        lastDrawn = now
        let fraction = min(1, done / total)
        let elapsed = now.timeIntervalSince(start)
        var line = "\(label): \(Int(fraction * 100))% (\(Self.format(done)) of \(Self.format(total)) \(unit))"
        if fraction > 0.02 && fraction < 1 {
            let remaining = Int((elapsed / fraction - elapsed).rounded())
            line += String(format: ", ETA %d:%02d", remaining / 60, remaining % 60)
        }
        FileHandle.standardError.write(Data(("\r\u{1B}[2K" + line).utf8))
        drawn = true
    }

    /// Clears the line.
    func finish() {
        guard drawn else { return }
        FileHandle.standardError.write(Data("\r\u{1B}[2K".utf8))
        drawn = false
    }

    private static func format(_ value: Double) -> String {
        value == value.rounded() ? String(Int(value)) : String(format: "%.1f", value)
    }
}
