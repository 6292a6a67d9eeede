/// What an item screen (Demonstrate, Rank, Compare) is waiting for — the next item to load, a label to
/// save — and the keys typed meanwhile. The keys are applied once the item arrives, so a fast labeler loses
/// nothing; if the work fails they are dropped, since they were meant for an item that never came.
struct PendingWork {
    /// What the screen waits for, shown to the labeler ("Saving…"); nil when it waits for nothing.
    private(set) var waitingFor: String?
    private var heldKeys: [Key] = []

    /// Starts waiting for `what`.
    mutating func begin(_ what: String) {
        waitingFor = what
    }

    /// While waiting, keeps `key` for later (`.handled`), except `backOutKeys`, which still leave the screen
    /// (`.unhandled`). Nil when nothing is pending: the screen handles the key itself.
    mutating func hold(_ key: Key, backOutKeys: [Key]) -> ScreenCommand? {
        guard waitingFor != nil else { return nil }
        if backOutKeys.contains(key) { return .unhandled }
        heldKeys.append(key)
        return .handled
    }

    /// Stops waiting and hands back the keys typed meanwhile, to be applied to the item that arrived.
    mutating func finish() -> [Key] {
        waitingFor = nil
        defer { heldKeys.removeAll() }
        return heldKeys
    }

    /// Stops waiting after a failure; the keys typed meanwhile are dropped.
    mutating func fail() {
        waitingFor = nil
        heldKeys.removeAll()
    }

    /// Draws what a screen without an item shows: what it waits for, else `empty`.
    func drawPlaceholder(empty: String, into grid: inout CellGrid, area: Rect) {
        grid.put(waitingFor ?? empty, row: area.row + 1, column: area.column + 2, style: .muted)
    }
}
