import Foundation
import TallyIO

/// Small helpers to write JSON by hand, so files come out in a stable, readable key order
/// (Foundation's serialisers reorder dictionary keys) and to read loosely typed JSON with clear errors.
enum JSONText {
    /// `value` as a JSON string literal, quotes included, by Tally's one rule (``JSONString``).
    static func quoted(_ value: String) -> String {
        JSONString.quoted(value)
    }

    /// Parses `data` as a JSON object, or throws an error naming `path`.
    static func object(_ data: Data, path: String) throws -> [String: Any] {
        let parsed: Any
        do {
            parsed = try JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])
        } catch {
            throw CheckpointError(path: path, problem: JSONProblem.describe(error))
        }
        guard let object = parsed as? [String: Any] else {
            throw CheckpointError(path: path, problem: "must hold a JSON object at the top level")
        }
        return object
    }

    /// A JSON number as an exact integer, or nil when it is missing or not a whole number.
    static func integer(_ value: Any?) -> Int? {
        return value as? Int
    }
}
