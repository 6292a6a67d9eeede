/// What can go wrong when rating battles; each description names the thing and the fix.
public enum ArenaError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The anchor names a model that has no battles.
    case unknownAnchor(String, models: [String])
    /// The anchor is not `MODEL=RATING`.
    case badAnchor(String)
    /// There are no battles to rate.
    case noBattles

    /// The message for the person at the terminal.
    public var description: String {
        switch self {
        case .unknownAnchor(let model, let models):
            let known = models.prefix(10).joined(separator: ", ") + (models.count > 10 ? ", …" : "")
            return "anchor model \"\(model)\" has no battles; rated models: \(known)"
        case .badAnchor(let text):
            return "anchor \"\(text)\" is not MODEL=RATING (for example base=1000)"
        case .noBattles:
            return "there are no battles to rate"
        }
    }
}
