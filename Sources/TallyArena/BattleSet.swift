/// Battles with their models numbered, in battle order: the form every rating function reads.
///
/// Models are numbered in name order, so the same battles give the same numbering whatever their order. A
/// battle of a model against itself says nothing about either and is left out.
///
/// ```swift
/// let set = BattleSet([Battle("sft", "base", .modelA), Battle("base", "sft", .tie)])
/// set.models          // ["base", "sft"]
/// set.battlesPerModel // [2, 2]
/// ```
public struct BattleSet: Sendable {
    /// The models that battled, sorted by name; ratings and counts are indexed like this array.
    public let models: [String]
    /// Each battle's first model (an index into ``models``).
    let first: [Int32]
    /// Each battle's second model.
    let second: [Int32]
    /// Each battle's first-model score, doubled: 2 a win, 1 a tie of either kind, 0 a loss.
    let doubledScore: [UInt8]

    /// Numbers the models of `battles` and keeps their (a, b, outcome) in order.
    public init(_ battles: some Sequence<Battle>) {
        var indexOf: [String: Int32] = [:]
        var firstNames: [Int32] = []
        var secondNames: [Int32] = []
        var scores: [UInt8] = []
        var names: [String] = []
        for battle in battles where battle.modelA != battle.modelB {
            let a = Self.number(battle.modelA, in: &indexOf, names: &names)
            let b = Self.number(battle.modelB, in: &indexOf, names: &names)
            firstNames.append(a)
            secondNames.append(b)
            scores.append(UInt8(battle.outcome.scoreA * 2))
        }
        // Renumber in name order.
        let order = names.indices.sorted { names[$0] < names[$1] }
        var renumbered = [Int32](repeating: 0, count: names.count)
        for (rank, original) in order.enumerated() { renumbered[original] = Int32(rank) }
        models = order.map { names[$0] }
        first = firstNames.map { renumbered[Int($0)] }
        second = secondNames.map { renumbered[Int($0)] }
        doubledScore = scores
    }

    /// How many battles the set holds.
    public var count: Int { doubledScore.count }

    /// Whether the set holds no battles.
    public var isEmpty: Bool { doubledScore.isEmpty }

    /// The index of `model` in ``models``, or nil if it never battled.
    public func index(of model: String) -> Int? {
        var low = 0
        var high = models.count
        while low < high {
            let middle = (low + high) / 2
            if models[middle] < model { low = middle + 1 } else { high = middle }
        }
        return low < models.count && models[low] == model ? low : nil
    }

    /// How many battles each model fought.
    public var battlesPerModel: [Int] {
        var counts = [Int](repeating: 0, count: models.count)
        for index in 0..<count {
            counts[Int(first[index])] += 1
            counts[Int(second[index])] += 1
        }
        return counts
    }

    private static func number(_ name: String, in indexOf: inout [String: Int32], names: inout [String]) -> Int32 {
        if let index = indexOf[name] { return index }
        let index = Int32(names.count)
        indexOf[name] = index
        names.append(name)
        return index
    }
}
