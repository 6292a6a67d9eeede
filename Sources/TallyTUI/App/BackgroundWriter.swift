import Foundation

/// Runs the workspace's slow work (transactions that wait for fsync, queue claims) one job at a time on a
/// background queue, so a keypress redraws at once; each job's completion runs later on the UI thread, in
/// `LabelingApp.tick()`, in the order the jobs were started.
///
/// One serial queue keeps writes in order: an autosave started before a submission commits before it.
public final class BackgroundWriter: @unchecked Sendable {
    private let queue = DispatchQueue(label: "tally.label.writer")
    private let lock = NSLock()
    private var completions: [() -> Void] = []
    private var running = 0

    public init() {}

    /// Starts `job` on the writer queue; `completion` gets its result on the UI thread.
    public func run<Value>(
        _ job: @escaping () throws -> Value,
        then completion: @escaping (Result<Value, Error>) -> Void
    ) {
        lock.lock()
        running += 1
        lock.unlock()
        let work = UncheckedSendable(value: (job, completion))
        queue.async { [self] in
            let result = Result { try work.value.0() }
            lock.lock()
            completions.append { work.value.1(result) }
            running -= 1
            lock.unlock()
        }
    }

    /// Whether a job is running or a completion waits for the UI thread.
    public var isBusy: Bool {
        lock.lock()
        defer { lock.unlock() }
        return running > 0 || !completions.isEmpty
    }

    /// Runs finished jobs' completions on the calling (UI) thread; returns whether any ran.
    @discardableResult
    public func deliverCompletions() -> Bool {
        lock.lock()
        let ready = completions
        completions.removeAll()
        lock.unlock()
        for completion in ready { completion() }
        return !ready.isEmpty
    }

    /// Waits for every started job (and the jobs their completions start) and delivers the completions.
    /// Used when quitting, so nothing typed is lost, and by tests and the benchmark.
    @discardableResult
    public func finish(timeout: TimeInterval) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            deliverCompletions()
            if !isBusy { return true }
            Thread.sleep(forTimeInterval: 0.001)
        }
        return false
    }
}
