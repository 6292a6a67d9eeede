import Testing

@testable import tally

/// `tally pretrain`'s progress line.
@Suite struct TrainingProgressLineTests {
    @Test func showsStepLossRateAndETA() {
        let progress = TrainingProgressLine(totalSteps: 200, isTerminal: false)
        let line = progress.text(step: 20, loss: 2.5, tokensPerSecond: 12_345)
        #expect(line.hasPrefix("step  20/200  loss 2.5000  12.3k tok/s  ETA "))
        #expect(TrainingProgressLine.formatDuration(75) == "1m15s")
        #expect(TrainingProgressLine.formatDuration(3700) == "1h01m")
    }
}
