import ArgumentParser
import TallyWorld

/// `tally world agreement`: how often two simulated labelers agree, for a noise setting.
struct WorldAgreementCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "agreement",
        abstract: "Measure how often two simulated labelers agree on pairs of responses.",
        discussion: """
            Two labelers rank the same realistic candidate sets (K from 4 to 9: right, wrong, \
            rambling, running on, refusing) for --items train prompts; a pair agrees when both \
            prefer the same response or both tie them. InstructGPT's labelers agreed on about 73%.
            """
    )

    @Option(help: "How many rankings to compare.")
    var items: Int = 400

    @Option(help: "The seed that fixes prompts, candidates and noise.")
    var seed: UInt64 = 2026

    @Option(help: "Standard deviation of the noise on oracle totals (default: the calibrated value).")
    var noise: Double = LabelerNoise.calibrated.scoreNoise

    @Option(help: "Perceived scores closer than this are tied.")
    var tieMargin: Double = LabelerNoise.calibrated.tieMargin

    func validate() throws {
        guard items > 0 else { throw ValidationError("--items must be at least 1") }
        guard noise >= 0, tieMargin >= 0 else { throw ValidationError("--noise and --tie-margin must not be negative") }
    }

    func run() {
        let report = LabelerAgreementReport.measure(
            items: items, seed: seed, noise: LabelerNoise(scoreNoise: noise, tieMargin: tieMargin))
        print(
            String(
                format: "agreement %.1f%% (%d of %d pairs, %d rankings; noise %.3f, tie margin %.3f)",
                100 * report.rate, report.agreedPairs, report.pairs, report.items, noise, tieMargin))
    }
}
