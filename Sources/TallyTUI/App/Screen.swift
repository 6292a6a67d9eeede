import Foundation

/// A rectangle of the grid handed to a screen.
public struct Rect: Equatable, Sendable {
    public var row: Int
    public var column: Int
    public var width: Int
    public var height: Int

    public init(row: Int, column: Int, width: Int, height: Int) {
        self.row = row
        self.column = column
        self.width = max(0, width)
        self.height = max(0, height)
    }
}

/// One line of the help overlay (and, when `inHintBar`, of the hint bar).
public struct KeyBinding: Equatable, Sendable {
    public var keys: String
    public var action: String
    public var inHintBar: Bool
    /// A shorter wording for the hint bar.
    public var barText: String

    public init(_ keys: String, _ action: String, hint: Bool = false, bar: String? = nil) {
        self.keys = keys
        self.action = action
        inHintBar = hint
        barText = bar ?? action
    }
}

/// What a screen asks the app to do after a key.
public enum ScreenCommand {
    /// The key was used; redraw.
    case handled
    /// The screen does not use this key: the app applies its global meaning (q/Esc back, ? help, i, u…).
    case unhandled
    case back
    case push(any Screen)
    case replace(any Screen)
    case quit
}

/// A full-screen view: a state machine that reacts to keys and draws into the grid.
public protocol Screen: AnyObject {
    var title: String { get }
    /// The keys of this screen, for `?` and the hint bar.
    var bindings: [KeyBinding] { get }
    /// Whether printable keys are text input right now (then `q`, `?`, `i`, `u` are typed, not commands).
    var capturesText: Bool { get }
    func handle(_ key: Key, context: LabelingContext) -> ScreenCommand
    func draw(into grid: inout CellGrid, area: Rect, context: LabelingContext)
    /// Called about ten times a second and after background work finishes; returns whether to redraw.
    func tick(context: LabelingContext) -> Bool
    /// Called when the screen becomes the top one again (refresh counts, load the next item).
    func didAppear(context: LabelingContext)
    /// Called after the labeler undid a submitted label: item screens fetch their item again (the undone one
    /// comes back first).
    func labelsChanged(context: LabelingContext)
    /// Called before the screen goes away or the program ends (quit, hang-up): save what must survive.
    func willClose(context: LabelingContext)
}

extension Screen {
    public var capturesText: Bool { false }
    public func tick(context: LabelingContext) -> Bool { false }
    public func didAppear(context: LabelingContext) {}
    public func willClose(context: LabelingContext) {}
    public func labelsChanged(context: LabelingContext) { didAppear(context: context) }
}

/// What every screen shares: the workspace service, the draft board, the instructions and the notice line.
public final class LabelingContext {
    public enum NoticeLevel { case info, success, warning, error }

    public let service: LabelingService
    public let drafts: DraftBoard
    /// Queue counts, refreshed in the background.
    public let counts = QueueCountsLoader()
    /// Transactions and claims, run off the UI thread.
    public let writer = BackgroundWriter()
    public private(set) var instructions: InstructionSet
    public private(set) var notice: (text: String, level: NoticeLevel, expires: Date)?
    /// Seconds of quiet after an edit before a half-written demonstration is autosaved (it is also saved
    /// when the screen closes, on quit and on hang-up).
    public var autosaveDelay: TimeInterval = 1.0
    /// How many items ahead drafts are prepared.
    public var prefetchDepth = 3
    /// The clock, replaceable in tests.
    public var now: () -> Date = Date.init

    public init(service: LabelingService, drafts: DraftBoard) throws {
        self.service = service
        self.drafts = drafts
        instructions = try service.instructions()
    }

    /// Shows a message on the notice line for a few seconds.
    public func notify(_ text: String, _ level: NoticeLevel = .info, seconds: TimeInterval = 4) {
        notice = (text, level, now().addingTimeInterval(seconds))
    }

    /// Shows the message of an error from the store.
    public func report(_ error: Error, while doing: String) {
        notify("Could not \(doing): \(error)", .error, seconds: 8)
    }

    /// Drops an expired notice; returns whether something changed.
    func expireNotice() -> Bool {
        if let notice, notice.expires < now() {
            self.notice = nil
            return true
        }
        return false
    }

    /// Asks for fresh queue counts (they arrive on a later tick).
    public func refreshCounts() {
        let service = UncheckedSendable(value: service)
        counts.refresh { try service.value.queueCounts() }
    }
}
