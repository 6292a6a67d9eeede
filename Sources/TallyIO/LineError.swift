/// What is wrong with one line of an input file, before the file's name and the line's number are known:
/// what the line's parser throws, and ``LineError`` reports.
public struct LineProblem: Error, Equatable, Sendable {
    /// What is wrong: `"chosen" is missing`.
    public var message: String
    /// What to do about it, when the message alone does not say: `re-save the file as UTF-8`.
    public var advice: String?

    public init(_ message: String, advice: String? = nil) {
        self.message = message
        self.advice = advice
    }
}

/// A problem with an input file, printed as `FILE:LINE: what is wrong — what to do`, or `FILE: what is
/// wrong — what to do` when it is about the whole file (it is compressed, or holds no lines).
///
/// ```swift
/// LineError(file: "prefs.jsonl", line: 17, message: "\"chosen\" is missing").description
/// // prefs.jsonl:17: "chosen" is missing
/// ```
public struct LineError: Error, CustomStringConvertible, Hashable, Sendable {
    /// The file as the user named it.
    public var file: String
    /// The 1-based line number, or 0 for a problem with the whole file.
    public var line: Int
    /// What is wrong.
    public var message: String
    /// What to do about it, when the message alone does not say.
    public var advice: String?

    public init(file: String, line: Int, message: String, advice: String? = nil) {
        self.file = file
        self.line = line
        self.message = message
        self.advice = advice
    }

    /// The error for `problem` on `line` of `file`.
    public init(file: String, line: Int, _ problem: LineProblem) {
        self.init(file: file, line: line, message: problem.message, advice: problem.advice)
    }

    public var description: String {
        let place = line > 0 ? "\(file):\(line)" : file
        return "\(place): \(message)" + (advice.map { " — \($0)" } ?? "")
    }
}
