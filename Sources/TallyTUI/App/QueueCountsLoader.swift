import Foundation

/// Counts the queues off the main thread: on a big workspace counting takes tens of milliseconds, and a
/// keypress must redraw in a few. Home shows the last counts at once and the fresh ones when they arrive.
public final class QueueCountsLoader: @unchecked Sendable {
    private let lock = NSLock()
    private var latest: QueueSummary?
    private var failure: String?
    private var running = false
    private var wanted = false
    private var changes = 0

    public init() {}

    /// The most recent counts, nil until the first count finished.
    public var counts: QueueSummary? {
        lock.lock()
        defer { lock.unlock() }
        return latest
    }

    /// Grows whenever new counts (or a failure) arrived: the UI redraws when it changes.
    public var changeCount: Int {
        lock.lock()
        defer { lock.unlock() }
        return changes
    }

    /// The message of a failed count not yet reported.
    public func takeFailure() -> String? {
        lock.lock()
        defer { lock.unlock() }
        let message = failure
        failure = nil
        return message
    }

    /// Starts a count unless one is running (then one more runs after it, so the result is never stale).
    public func refresh(_ count: @escaping @Sendable () throws -> QueueSummary) {
        lock.lock()
        if running {
            wanted = true
            lock.unlock()
            return
        }
        running = true
        lock.unlock()
        Thread.detachNewThread { [self] in
            while true {
                let outcome = Result { try count() }
                lock.lock()
                switch outcome {
                case .success(let counts): latest = counts
                case .failure(let error): failure = "\(error)"
                }
                changes += 1
                if wanted {
                    wanted = false
                    lock.unlock()
                    continue
                }
                running = false
                lock.unlock()
                return
            }
        }
    }

    /// Waits until no count is running (tests and the benchmark).
    public func settled(timeout: TimeInterval) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            lock.lock()
            let busy = running
            lock.unlock()
            if !busy { return true }
            Thread.sleep(forTimeInterval: 0.002)
        }
        return false
    }
}

/// Lets a service that is safe to call from another thread be captured by a `@Sendable` closure.
struct UncheckedSendable<Value>: @unchecked Sendable {
    let value: Value
}
