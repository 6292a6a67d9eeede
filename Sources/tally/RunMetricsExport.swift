import Foundation
import TallyIO

/// The file formats `tally runs export` writes.
enum MetricsExportFormat: String, CaseIterable {
    /// One JSON object per step with the names recorded at that step: `{"step": 10, "loss": 2.31, "lr": 0.0003}`.
    case jsonl
    /// A header `step,<every name>` and one row per step, empty cells where a name was not recorded.
    case csv
}

extension RunMetrics {
    /// Every step's metrics in `format`, one line per step (and a header for CSV), each line ending in a newline.
    /// Columns and keys follow ``names`` (the order metrics were first recorded). Non-finite values are written
    /// as `null` in JSONL (JSON has no NaN) and as `nan`, `inf` or `-inf` in CSV.
    func export(_ format: MetricsExportFormat) -> String {
        switch format {
        case .jsonl: jsonLines()
        case .csv: csv()
        }
    }

    private func jsonLines() -> String {
        var text = ""
        let keys = Dictionary(uniqueKeysWithValues: names.map { ($0, JSONString.quoted($0)) })
        for (step, values) in steps {
            text += "{\"step\": \(step)"
            for name in names {
                guard let value = values[name] else { continue }
                text += ", \(keys[name]!): " + (value.isFinite ? Self.shortest(value) : "null")
            }
            text += "}\n"
        }
        return text
    }

    private func csv() -> String {
        var text = (["step"] + names).map(Self.csvField).joined(separator: ",") + "\n"
        for (step, values) in steps {
            text += String(step)
            for name in names {
                text += ","
                if let value = values[name] { text += value.isFinite ? Self.shortest(value) : Self.format(value) }
            }
            text += "\n"
        }
        return text
    }

    /// The shortest text that reads back as the same `Double` (`0.1`, `2.5e-05`, `120.0`): valid JSON and CSV.
    private static func shortest(_ value: Double) -> String {
        "\(value)"
    }

    /// A CSV field, quoted (RFC 4180) when it holds a comma or a quote; control characters, line breaks among
    /// them, shown as `\u{…}` escapes.
    private static func csvField(_ text: String) -> String {
        let safe = TerminalSanitizer.sanitizeLine(text)
        guard safe.contains(where: { $0 == "," || $0 == "\"" }) else { return safe }
        return "\"" + safe.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
