import Foundation
import Synchronization
import Testing

@testable import TallyEngine

@Suite struct ComputeWorkersTests {
    @Test func everyIterationRunsOnceInEveryLoop() {
        let iterations = ComputeThreads.count
        let runs = Mutex([Int](repeating: 0, count: iterations))
        for _ in 0..<2_000 {
            ComputeWorkers.shared.perform(iterations: iterations) { index in
                runs.withLock { $0[index] += 1 }
            }
        }
        #expect(runs.withLock { $0 } == [Int](repeating: 2_000, count: iterations))
    }

    @Test func loopsInsideLoopsRunOnTheirCaller() {
        let total = Atomic<Int>(0)
        let elsewhere = Atomic<Int>(0)
        parallelForEach(64) { _, _ in
            let caller = pthread_self()
            parallelRanges(100) { range in
                total.add(range.count, ordering: .relaxed)
                if pthread_equal(pthread_self(), caller) == 0 { elsewhere.add(1, ordering: .relaxed) }
            }
        }
        #expect(total.load(ordering: .relaxed) == 64 * 100)
        #expect(elsewhere.load(ordering: .relaxed) == 0)
    }

    @Test func loopsFromTwoThreadsAtOnceBothFinish() async {
        // Decoding a draft in the labeling UI can overlap with other engine work in the same process.
        @Sendable func sum() -> Int {
            let total = Atomic<Int>(0)
            for _ in 0..<500 {
                parallelRanges(1_000, minimumPerThread: 1) { range in total.add(range.count, ordering: .relaxed) }
            }
            return total.load(ordering: .relaxed)
        }
        async let first = Task.detached { sum() }.value
        async let second = Task.detached { sum() }.value
        let (a, b) = await (first, second)
        #expect(a == 500_000)
        #expect(b == 500_000)
    }

    @Test func loopsAfterWorkersFellAsleepGiveTheSameResults() {
        func slicedSums() -> [Int] {
            var sums = [Int](repeating: 0, count: ComputeThreads.count)
            sums.withUnsafeMutableBufferPointer { slots in
                parallelSlices(10_000) { range, worker in slots[worker] = range.reduce(0, +) }
            }
            return sums
        }
        let first = slicedSums()
        // Back to back, the workers are still polling; after a pause longer than their polling limit, asleep.
        let polling = (0..<100).map { _ in slicedSums() }
        usleep(useconds_t(2 * ComputeWorkers.pollingLimit / 1000))
        let woken = slicedSums()
        #expect(polling.allSatisfy { $0 == first })
        #expect(woken == first)
        #expect(first.reduce(0, +) == (0..<10_000).reduce(0, +))
    }
}

@Suite struct ComputeWorkersWithManyCoresTests {
    /// A pool as a four-core machine would have, so that loops narrower than the pool are exercised here too.
    static let pool = ComputeWorkers(count: 3)

    @Test func loopsOfEveryWidthRunEachIterationOnce() {
        let runs = Mutex([Int](repeating: 0, count: 4))
        var expected = [0, 0, 0, 0]
        for round in 0..<3_000 {
            let width = 1 + round % 4
            Self.pool.perform(iterations: width) { index in runs.withLock { $0[index] += 1 } }
            for index in 0..<width { expected[index] += 1 }
        }
        #expect(runs.withLock { $0 } == expected)
    }

    @Test func narrowLoopsWhileWorkersPollGiveTheSameResults() {
        let total = Atomic<Int>(0)
        for round in 0..<3_000 {
            Self.pool.perform(iterations: 2 + round % 3) { index in total.add(index + 1, ordering: .relaxed) }
        }
        // Widths 2, 3, 4 in turn add 1+2, 1+2+3, 1+2+3+4.
        #expect(total.load(ordering: .relaxed) == 1_000 * (3 + 6 + 10))
    }
}
