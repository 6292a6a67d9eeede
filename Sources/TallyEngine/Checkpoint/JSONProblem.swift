import Foundation

/// What is wrong with JSON that failed to parse or decode, in plain words: the key and what to fix, or the
/// parser's position, never Foundation's generic sentence or a dump of Swift's `DecodingError`.
enum JSONProblem {
    /// `"n_embd" is missing`, `"n_head" has the wrong type`, `is not valid JSON (Unexpected character…)`.
    static func describe(_ error: Error) -> String {
        switch error {
        case DecodingError.keyNotFound(let key, let context):
            return "\"\(keyPath(context.codingPath + [key]))\" is missing"
        case DecodingError.typeMismatch(_, let context), DecodingError.valueNotFound(_, let context):
            return context.codingPath.isEmpty
                ? "is not a JSON object" : "\"\(keyPath(context.codingPath))\" has the wrong type"
        case DecodingError.dataCorrupted(let context):
            if let underlying = context.underlyingError { return describe(underlying) }
            return context.codingPath.isEmpty
                ? "is not valid JSON" : "\"\(keyPath(context.codingPath))\" has an invalid value"
        default:
            if let detail = (error as NSError).userInfo[NSDebugDescriptionErrorKey] as? String {
                return "is not valid JSON (\(detail))"
            }
            return "is not valid JSON"
        }
    }

    private static func keyPath(_ keys: [CodingKey]) -> String {
        keys.map { $0.intValue.map(String.init) ?? $0.stringValue }.joined(separator: ".")
    }
}
