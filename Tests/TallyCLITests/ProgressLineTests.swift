import Testing

@testable import tally

/// The one progress line every long command shows.
@Suite struct ProgressLineTests {
    /// A clock the test moves by hand, and the text written so far.
    final class Recorder {
        var now = 100.0
        var writes: [String] = []

        func output(isTerminal: Bool) -> ProgressLine.Output {
            ProgressLine.Output(write: { self.writes.append($0) }, isTerminal: isTerminal)
        }

        func line(
            _ label: String = "train", total: Int, unit: String = "steps", startingAt: Int = 0, isTerminal: Bool
        ) -> ProgressLine {
            ProgressLine(
                label, total: total, unit: unit, startingAt: startingAt, output: output(isTerminal: isTerminal),
                clock: { self.now })
        }
    }

    @Test func durationsReadTheSameEverywhere() {
        #expect(ProgressLine.duration(9) == "9s")
        #expect(ProgressLine.duration(59.6) == "1m00s")
        #expect(ProgressLine.duration(75) == "1m15s")
        #expect(ProgressLine.duration(3700) == "1h01m")
        #expect(ProgressLine.duration(.nan) == "?")
        #expect(ProgressLine.duration(.infinity) == "?")
        #expect(ProgressLine.duration(-1) == "?")
    }

    @Test func ratesAreShortened() {
        #expect(ProgressLine.rate(950, unit: "tok/s") == "950 tok/s")
        #expect(ProgressLine.rate(12_345, unit: "tok/s") == "12.3k tok/s")
        #expect(ProgressLine.rate(2_500_000, unit: "tok/s") == "2.50M tok/s")
        #expect(ProgressLine.rate(2.34, unit: "labels/s") == "2.3 labels/s")
    }

    @Test func theLineShowsCountDetailAndETA() {
        let recorder = Recorder()
        let progress = recorder.line(total: 200, isTerminal: false)
        #expect(progress.text(elapsed: 0) == "train: 0/200 steps (0%), ETA ?", "nothing done: the ETA is unknown")
        recorder.now += 10
        progress.update(20, detail: "loss 2.5000, 12.3k tok/s")
        #expect(progress.text(elapsed: 10) == "train: 20/200 steps (10%), loss 2.5000, 12.3k tok/s, ETA 1m30s")
        recorder.now += 3590
        progress.update(100)
        #expect(progress.text(elapsed: 3600) == "train: 100/200 steps (50%), ETA 1h00m")
    }

    @Test func aResumedRunEstimatesFromTheStepsItDid() {
        let recorder = Recorder()
        let progress = recorder.line(total: 200, startingAt: 100, isTerminal: false)
        progress.update(110)
        // 10 steps in 10 s, 90 to go.
        #expect(progress.eta(elapsed: 10) == 90)
        #expect(progress.text(elapsed: 10).hasSuffix("ETA 1m30s"))
    }

    @Test func anUnknownTotalShowsTheCountAlone() {
        let recorder = Recorder()
        let progress = recorder.line("eval", total: 0, unit: "prompts", isTerminal: false)
        progress.update(3)
        #expect(progress.text(elapsed: 1) == "eval: 3 prompts")
        progress.total = 12
        #expect(progress.text(elapsed: 1) == "eval: 3/12 prompts (25%), ETA 3s")
    }

    @Test func bytesAreShownInMegabytes() {
        let recorder = Recorder()
        let progress = ProgressLine(
            "Checking prefs.jsonl", total: 3_000_000, quantity: .bytes, output: recorder.output(isTerminal: false),
            clock: { recorder.now })
        progress.update(1_500_000)
        #expect(progress.text(elapsed: 2).hasPrefix("Checking prefs.jsonl: 1.5/3.0 MB (50%), ETA 2s"))
    }

    /// A log or CI gets a plain line every few seconds, not one per step, and a summary at the end.
    @Test func withoutATerminalLinesAreThrottledAndEndWithASummary() {
        let recorder = Recorder()
        let progress = recorder.line(total: 20, isTerminal: false)
        for step in 1...20 {
            recorder.now += 1
            progress.update(step, detail: "loss \(step)")
        }
        progress.finish()
        #expect(
            recorder.writes == [
                "train: 5/20 steps (25%), loss 5, ETA 15s\n",
                "train: 10/20 steps (50%), loss 10, ETA 10s\n",
                "train: 15/20 steps (75%), loss 15, ETA 5s\n",
                "train: 20/20 steps (100%) in 20s, loss 20\n",
            ])
        #expect(!recorder.writes.joined().contains("\r"), "no redrawing in a log")
    }

    @Test func aQuickJobLogsOnlyItsSummaryAndAnIdleOneNothing() {
        let recorder = Recorder()
        let quick = recorder.line("sample", total: 3, unit: "prompts", isTerminal: false)
        for done in 1...3 { quick.update(done) }
        quick.finish()
        quick.finish()
        #expect(recorder.writes == ["sample: 3/3 prompts (100%) in 0s\n"])

        let idle = recorder.line(total: 3, isTerminal: false)
        idle.finish()
        #expect(recorder.writes.count == 1)
    }

    /// On a terminal the line is redrawn in place (at most ten times a second, always for the last unit) and
    /// cleared at the end, without a summary.
    @Test func onATerminalTheLineIsRedrawnInPlaceAndCleared() {
        let recorder = Recorder()
        let progress = recorder.line(total: 4, isTerminal: true)
        recorder.now += 1
        progress.update(1)
        recorder.now += 0.01
        progress.update(2)  // too soon after the last redraw
        recorder.now += 1
        progress.update(3)
        recorder.now += 0.01
        progress.update(4)  // the last step is always drawn
        progress.clear()
        progress.finish()  // already cleared: nothing more
        #expect(
            recorder.writes == [
                "\r\u{1B}[2Ktrain: 1/4 steps (25%), ETA 3s",
                "\r\u{1B}[2Ktrain: 3/4 steps (75%), ETA 1s",
                "\r\u{1B}[2Ktrain: 4/4 steps (100%), ETA 0s",
                "\r\u{1B}[2K",
            ])
    }

    @Test func aLongLineIsCutToTheTerminalsWidth() {
        let line = String(repeating: "x", count: 200)
        #expect(ProgressLine.fitted(line, columns: 80).count == 79)
        #expect(ProgressLine.fitted("short", columns: 80) == "short")
    }

    @Test func labelsAndDetailsFromFilesCannotDriveTheTerminal() {
        let recorder = Recorder()
        let progress = recorder.line("Checking \u{1B}]52;c;aGk=\u{07}x\u{202E}.jsonl", total: 2, isTerminal: false)
        progress.update(1, detail: "\u{9B}2J")
        let text = progress.text(elapsed: 1)
        #expect(text.hasPrefix("Checking ␛]52;c;aGk=␇x<U+202E>.jsonl: 1/2 steps (50%), <U+009B>2J"))
    }

    @Test func trainingStepsShowLossKeyMetricAndSpeed() {
        #expect(
            TrainingRunner.stepDetail(loss: 0.69, keyMetric: ("accuracy", 0.8126), tokensPerSecond: 12_345)
                == "loss 0.6900, accuracy 0.813, 12.3k tok/s")
        #expect(TrainingRunner.stepDetail(loss: 2.5, keyMetric: nil, tokensPerSecond: 950) == "loss 2.5000, 950 tok/s")
    }
}
