/// Battles aggregated per pair of models: what Bradley–Terry needs, so that a fit costs O(pairs), not
/// O(battles), per iteration.
///
/// Each pair (i < j) that met has three cells, in this order: i won, a tie of either kind, j won. The
/// cell of every battle is kept too, so that a bootstrap round can resample battles and count them straight
/// into cells.
struct PairCounts: Sendable {
    /// How many models (a ``BattleSet``'s).
    let modelCount: Int
    /// Each pair's lower model index.
    let low: [Int32]
    /// Each pair's higher model index.
    let high: [Int32]
    /// Battles per cell (pairs × 3): low won, tie, high won.
    let counts: [Double]
    /// Each battle's cell.
    let cellOfBattle: [UInt32]

    /// Cells per pair.
    static let cellsPerPair = 3

    init(_ battles: BattleSet) {
        modelCount = battles.models.count
        var pairIndex = [Int32](repeating: -1, count: modelCount * modelCount)
        var low: [Int32] = []
        var high: [Int32] = []
        var cells = [UInt32](repeating: 0, count: battles.count)
        for index in 0..<battles.count {
            let a = battles.first[index]
            let b = battles.second[index]
            let (i, j) = a < b ? (a, b) : (b, a)
            let key = Int(i) * modelCount + Int(j)
            if pairIndex[key] < 0 {
                pairIndex[key] = Int32(low.count)
                low.append(i)
                high.append(j)
            }
            // The cell from the lower model's side: its doubled score is 2 (won), 1 (tie) or 0 (lost).
            let doubled = Int(battles.doubledScore[index])
            let lowScore = a == i ? doubled : 2 - doubled
            cells[index] = UInt32(Int(pairIndex[key]) * Self.cellsPerPair + (2 - lowScore))
        }
        var counts = [Double](repeating: 0, count: low.count * Self.cellsPerPair)
        for cell in cells { counts[Int(cell)] += 1 }
        self.low = low
        self.high = high
        self.counts = counts
        cellOfBattle = cells
    }
}
