import Dispatch
import Testing

@testable import TallyEngine

/// Reductions split over the cores must not depend on which thread ran first: training is reproducible for a
/// seed, and a resumed run follows the uninterrupted one bit for bit only if every gradient does.
@Suite struct ReductionDeterminismTests {
    /// Keeps a core busy while `body` runs, so the kernels' workers are scheduled unevenly.
    private func withBusyCore(_ body: () -> Void) {
        let stop = DispatchSemaphore(value: 0)
        let done = DispatchSemaphore(value: 0)
        DispatchQueue.global().async {
            var spin: UInt64 = 1
            while stop.wait(timeout: .now()) == .timedOut {
                for _ in 0..<10_000 { spin = spin &* 6_364_136_223_846_793_005 &+ 1 }
            }
            if spin == 0 { print(spin) }
            done.signal()
        }
        body()
        stop.signal()
        done.wait()
    }

    @Test func layerNormWeightGradientsAreBitIdenticalRunAfterRun() {
        let rows = 2048, channels = 64
        let x = TestBuffer(random: rows * channels, seed: 1)
        let w = TestBuffer(random: channels, seed: 2)
        let b = TestBuffer(random: channels, seed: 3)
        let dout = TestBuffer(random: rows * channels, seed: 4)
        let out = TestBuffer(zeros: rows * channels), mean = TestBuffer(zeros: rows), rstd = TestBuffer(zeros: rows)
        layerNormForward(
            out.pointer, mean: mean.pointer, rstd: rstd.pointer, x.pointer, weight: w.pointer, bias: b.pointer,
            rows: rows, channels: channels, epsilon: 1e-5)
        let scratch = TestBuffer(zeros: 2 * channels * ComputeThreads.count)
        func gradients() -> [Float] {
            let dx = TestBuffer(zeros: x.count), dw = TestBuffer(zeros: channels), db = TestBuffer(zeros: channels)
            layerNormBackward(
                dinp: dx.pointer, dweight: dw.pointer, dbias: db.pointer, dout: dout.pointer, inp: x.pointer,
                weight: w.pointer, mean: mean.pointer, rstd: rstd.pointer, rows: rows, channels: channels,
                scratch: scratch.pointer)
            return dw.array + db.array
        }
        let first = gradients()
        withBusyCore {
            for run in 0..<40 {
                let differing = zip(gradients(), first).filter { $0.bitPattern != $1.bitPattern }.count
                #expect(differing == 0, "run \(run): \(differing) of \(first.count) gradients differ")
            }
        }
    }

    @Test func rmsNormWeightGradientsAreBitIdenticalRunAfterRun() {
        let rows = 2048, channels = 64
        let x = TestBuffer(random: rows * channels, seed: 5)
        let w = TestBuffer(random: channels, seed: 6)
        let dout = TestBuffer(random: rows * channels, seed: 7)
        let out = TestBuffer(zeros: rows * channels), rstd = TestBuffer(zeros: rows)
        rmsNormForward(
            out.pointer, rstd: rstd.pointer, x.pointer, weight: w.pointer, rows: rows, channels: channels,
            epsilon: 1e-5)
        let scratch = TestBuffer(zeros: channels * ComputeThreads.count)
        func gradients() -> [Float] {
            let dx = TestBuffer(zeros: x.count), dw = TestBuffer(zeros: channels)
            rmsNormBackward(
                dinp: dx.pointer, dweight: dw.pointer, dout: dout.pointer, inp: x.pointer, weight: w.pointer,
                rstd: rstd.pointer, rows: rows, channels: channels, scratch: scratch.pointer)
            return dw.array
        }
        let first = gradients()
        withBusyCore {
            for run in 0..<40 {
                let differing = zip(gradients(), first).filter { $0.bitPattern != $1.bitPattern }.count
                #expect(differing == 0, "run \(run): \(differing) of \(first.count) gradients differ")
            }
        }
    }
}
