import Foundation

/// The labeler's ordering of K responses into tiers (ties allowed), independent of drawing.
///
/// Tier numbers are what the labeler typed (1 = best); gaps are fine while working and are closed on
/// submission: tiers {1, 3, 3} become [[a], [b, c]].
public struct RankingState: Equatable, Sendable {
    public let responseIDs: [Int64]
    /// Tier typed for each response (index-aligned with `responseIDs`).
    public private(set) var tiers: [Int?]
    public var allUnacceptable = false
    public private(set) var flags: Set<RankingFlag> = []

    public init(responseIDs: [Int64]) {
        self.responseIDs = responseIDs
        tiers = Array(repeating: nil, count: responseIDs.count)
    }

    public mutating func setTier(_ tier: Int?, forResponseAt index: Int) {
        guard tiers.indices.contains(index) else { return }
        tiers[index] = tier
    }

    public var isComplete: Bool { allUnacceptable || tiers.allSatisfy { $0 != nil } }

    /// Tiers best first, gaps closed; responses inside a tier keep their on-screen order.
    public var orderedTiers: [[Int64]] {
        let used = Set(tiers.compactMap { $0 }).sorted()
        return used.map { tier in
            responseIDs.indices.filter { tiers[$0] == tier }.map { responseIDs[$0] }
        }
    }

    /// The tiers to store: when everything is marked unacceptable, responses not placed share a last tier
    /// (the store keeps an order even for unacceptable sets).
    public var tiersForSubmission: [[Int64]] {
        let unplaced = responseIDs.indices.filter { tiers[$0] == nil }.map { responseIDs[$0] }
        return unplaced.isEmpty ? orderedTiers : orderedTiers + [unplaced]
    }

    /// The ordering in letters, e.g. `D > C > A = B`, with `?` for responses not placed yet.
    public var summary: String {
        (allUnacceptable ? "none acceptable · " : "") + order
    }

    private var order: String {
        let used = Set(tiers.compactMap { $0 }).sorted()
        var parts = used.map { tier in
            responseIDs.indices.filter { tiers[$0] == tier }.map { Self.letter($0) }.joined(separator: " = ")
        }
        let unplaced = responseIDs.indices.filter { tiers[$0] == nil }.map { Self.letter($0) }
        if !unplaced.isEmpty { parts.append("? " + unplaced.joined(separator: " ")) }
        return parts.isEmpty ? "nothing placed yet" : parts.joined(separator: " > ")
    }

    /// The letter shown for the response at an index: A, B, C…
    public static func letter(_ index: Int) -> String {
        String(UnicodeScalar(UInt8(65 + index % 26)))
    }

    /// Switches a flag on or off.
    public mutating func toggle(_ kind: LabelFlagKind, responseID: Int64?) {
        if let existing = flags.first(where: { $0.kind == kind && $0.responseID == responseID }) {
            flags.remove(existing)
        } else {
            flags.insert(RankingFlag(kind: kind, responseID: responseID))
        }
    }

    /// Sets (or with an empty text removes) the note on a response or the prompt.
    public mutating func setNote(_ text: String, responseID: Int64?) {
        flags = flags.filter { !($0.kind == .note && $0.responseID == responseID) }
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        if !trimmed.isEmpty { flags.insert(RankingFlag(kind: .note, responseID: responseID, note: trimmed)) }
    }

    public func flags(for responseID: Int64?) -> [RankingFlag] {
        flags.filter { $0.responseID == responseID }.sorted { $0.kind.rawValue < $1.kind.rawValue }
    }
}

extension LabelFlagKind {
    /// The short word shown on screen.
    public var label: String {
        switch self {
        case .harmful: return "harmful"
        case .jailbreak: return "jailbreak"
        case .pii: return "PII"
        case .spam: return "spam"
        case .factualError: return "factual error"
        case .note: return "note"
        }
    }
}
