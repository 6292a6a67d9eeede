import Testing

@testable import TallyTUI

/// Keys typed while an item screen loads or saves are applied to the item that arrives, never lost, and
/// never applied after a failure.
@Suite struct PendingWorkTests {
    private func name(_ command: ScreenCommand?) -> String {
        switch command {
        case nil: return "none"
        case .handled?: return "handled"
        case .unhandled?: return "unhandled"
        default: return "other"
        }
    }

    @Test func keysTypedWhileWaitingComeBackInOrderWhenTheItemArrives() {
        var pending = PendingWork()
        #expect(name(pending.hold(.character("a"), backOutKeys: [.escape])) == "none", "idle: the screen handles keys")
        pending.begin("Loading the next prompt…")
        #expect(pending.waitingFor == "Loading the next prompt…")
        #expect(name(pending.hold(.character("h"), backOutKeys: [.escape])) == "handled")
        #expect(name(pending.hold(.character("i"), backOutKeys: [.escape])) == "handled")
        #expect(name(pending.hold(.escape, backOutKeys: [.escape])) == "unhandled", "back-out keys still leave")
        #expect(pending.finish() == [.character("h"), .character("i")])
        #expect(pending.waitingFor == nil)
        #expect(pending.finish().isEmpty, "each key is applied once")
    }

    @Test func aFailedWaitDropsTheKeysTypedMeanwhile() {
        var pending = PendingWork()
        pending.begin("Saving…")
        _ = pending.hold(.character("1"), backOutKeys: [])
        pending.fail()
        #expect(pending.waitingFor == nil)
        #expect(pending.finish().isEmpty)
    }

    @Test func theScreenWithoutAnItemShowsWhatItWaitsForElseTheEmptyMessage() {
        var pending = PendingWork()
        let area = Rect(row: 0, column: 0, width: 40, height: 3)
        var grid = CellGrid(width: 40, height: 3)
        pending.drawPlaceholder(empty: "Nothing waiting.", into: &grid, area: area)
        #expect(grid.contains("Nothing waiting."))
        pending.begin("Saving…")
        grid = CellGrid(width: 40, height: 3)
        pending.drawPlaceholder(empty: "Nothing waiting.", into: &grid, area: area)
        #expect(grid.contains("Saving…"))
    }
}
