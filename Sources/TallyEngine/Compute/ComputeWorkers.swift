import Dispatch
import Foundation
import Synchronization

/// The engine's own worker threads (one per core besides the caller's), which run the parallel loops of
/// ``parallelRanges(_:minimumPerThread:_:)`` and its siblings.
///
/// `DispatchQueue.concurrentPerform` wakes a pooled thread for every loop, which costs tens of
/// microseconds: nothing next to a training step, but decoding one token of the `small` config runs
/// some fifty loops of a few microseconds each, and the wake-ups took a third of its time. Here a
/// loop is handed over through one atomic word, from which the caller and the workers claim its
/// iterations one by one: a worker that is late (asleep, or descheduled on a shared machine) simply
/// finds them all taken, and nobody waits for it. After a loop, workers poll for the next one for up to
/// ``pollingLimit`` before going to sleep on a condition variable, so that the loops of a training step
/// or of a decoded token, which follow each other within microseconds, find them awake; an idle program
/// costs them nothing after that.
///
/// A loop started while another is running (from a loop's body, or from a second thread of the
/// caller's program) runs on the calling thread alone, so loops never wait on each other.
final class ComputeWorkers: @unchecked Sendable {
    /// The workers every parallel loop of the engine uses.
    static let shared = ComputeWorkers(count: ComputeThreads.count - 1)

    /// How long a worker polls for the next loop before sleeping.
    static let pollingLimit: UInt64 = 2_000_000  // nanoseconds

    /// The current loop in one word: its number (bits 32–63, incremented for every loop handed out), its
    /// iteration count (bits 16–31) and its next unclaimed iteration (bits 0–15).
    private let loop = Atomic<UInt64>(0)
    /// Iterations of the current loop not yet finished.
    private let remaining = Atomic<Int>(0)
    /// Whether a loop is running (a second one runs on its caller alone).
    private let running = Atomic<Bool>(false)
    /// The current loop's body: written before `loop` is replaced, read only by a thread that has claimed
    /// one of its iterations, and cleared once all of them are finished.
    private nonisolated(unsafe) var body: ((Int) -> Void)?
    private let workerCount: Int
    /// Guards `sleepers` and the condition variable workers sleep on.
    private let lock = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let wakeUp = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    private nonisolated(unsafe) var sleepers = 0

    /// Starts `count` worker threads, which live as long as the process (tests make pools of their own).
    init(count: Int) {
        workerCount = max(0, count)
        pthread_mutex_init(lock, nil)
        pthread_cond_init(wakeUp, nil)
        for worker in 0..<workerCount {
            let thread = Thread { [unowned self] in self.work() }
            thread.name = "tally-compute-\(worker + 1)"
            thread.start()
        }
    }

    /// Runs `body(i)` for every `i` in `0..<iterations` and returns when all are done. Iteration 0 runs on
    /// the calling thread; each other iteration on whichever thread claims it first (the caller included),
    /// never two at once on one thread. At most `ComputeThreads.count` iterations.
    func perform(iterations: Int, _ body: (Int) -> Void) {
        precondition(iterations <= workerCount + 1 && iterations < 1 << 16, "at most one iteration per core")
        guard iterations > 1, running.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged
        else {
            for index in 0..<max(0, iterations) { body(index) }
            return
        }
        withoutActuallyEscaping(body) { body in
            self.body = body
            remaining.store(iterations, ordering: .relaxed)
            let number = (loop.load(ordering: .relaxed) >> 32) &+ 1
            // Iteration 0 is the caller's: the next unclaimed one is 1.
            loop.store(number << 32 | UInt64(iterations) << 16 | 1, ordering: .releasing)
            // Wake as many sleeping workers as there are iterations left (a woken worker that finds none
            // taken goes back to sleep; one that finds none left simply waits for the next loop).
            pthread_mutex_lock(lock)
            for _ in 0..<min(sleepers, iterations - 1) { pthread_cond_signal(wakeUp) }
            pthread_mutex_unlock(lock)
            body(0)
            remaining.subtract(1, ordering: .releasing)
            while let index = claim() {
                body(index)
                remaining.subtract(1, ordering: .releasing)
            }
            // Only iterations that workers claimed and are still running are left.
            var polls = 0
            while remaining.load(ordering: .acquiring) > 0 {
                polls += 1
                if polls % 64 == 0 { sched_yield() }
            }
            self.body = nil
        }
        running.store(false, ordering: .releasing)
    }

    /// Claims the current loop's next unclaimed iteration, if any is left.
    private func claim() -> Int? {
        var word = loop.load(ordering: .acquiring)
        while true {
            let iterations = Int(word >> 16 & 0xFFFF)
            let next = Int(word & 0xFFFF)
            guard next < iterations else { return nil }
            let (exchanged, current) = loop.compareExchange(
                expected: word, desired: word + 1, successOrdering: .acquiringAndReleasing,
                failureOrdering: .acquiring)
            if exchanged { return next }
            word = current
        }
    }

    /// A worker's life: wait for a new loop, run the iterations it can claim, repeat. A claimed iteration
    /// may belong to a newer loop than the one the worker woke for; the claim makes that loop's body
    /// visible, and the loop cannot finish before the iteration does.
    private func work() {
        // Not the word's value when the thread gets going: a loop may have been handed out before.
        var seen: UInt64 = 0
        while true {
            seen = waitForLoop(after: seen)
            while let index = claim() {
                runIteration(index)
                remaining.subtract(1, ordering: .releasing)
            }
        }
    }

    /// Runs the current loop's iteration `index`. A function of its own so that the worker's reference to
    /// the body is gone before it reports (the caller's body must not outlive its loop).
    @inline(never)
    private func runIteration(_ index: Int) {
        body?(index)
    }

    /// Returns the number of the first loop handed out after loop `seen`: polls for up to
    /// ``pollingLimit``, then sleeps until a loop is handed out.
    private func waitForLoop(after seen: UInt64) -> UInt64 {
        let start = DispatchTime.now().uptimeNanoseconds
        var polls = 0
        while true {
            let current = loop.load(ordering: .acquiring) >> 32
            if current != seen { return current }
            polls += 1
            if polls % 256 == 0 {
                if DispatchTime.now().uptimeNanoseconds - start > Self.pollingLimit { break }
                sched_yield()
            }
        }
        pthread_mutex_lock(lock)
        defer { pthread_mutex_unlock(lock) }
        while true {
            let current = loop.load(ordering: .acquiring) >> 32
            if current != seen { return current }
            sleepers += 1
            pthread_cond_wait(wakeUp, lock)
            sleepers -= 1
        }
    }
}
