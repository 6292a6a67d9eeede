import Foundation
import TallyStore
import TallyWorld
import Testing

@testable import tally

/// `tally generate` draws with the sampler and the options of `tally sample`.
@Suite struct GenerateOptionsTests {
    @Test func generateAndSampleShareTheirDefaultsAndTheMaxTokensAlias() throws {
        let generate = try Generate.parse(["--checkpoint", "c", "--prompt", "p"])
        let sample = try SampleCommand.parse(["--checkpoint", "c"])
        #expect(generate.decoding.seed == sample.sampling.decoding.seed)
        #expect(generate.decoding.maxNewTokens == sample.sampling.decoding.maxNewTokens)
        #expect(Generate.defaultTemperature == SampleCommand.defaultTemperature)

        let alias = try Generate.parse(["--checkpoint", "c", "--prompt", "p", "--max-tokens", "9"])
        let name = try Generate.parse(["--checkpoint", "c", "--prompt", "p", "--max-new-tokens", "9"])
        #expect(alias.decoding.maxNewTokens == 9 && name.decoding.maxNewTokens == 9)
        #expect(
            try SampleCommand.parse(["--checkpoint", "c", "--max-tokens", "5"]).sampling.decoding.maxNewTokens == 5)
        #expect(throws: (any Error).self) {
            try Generate.parse(["--checkpoint", "c", "--prompt", "p", "--max-tokens", "0"])
        }
    }
}

@Suite(.enabled(if: TallyBinary.url != nil, "the tally executable is built next to the tests"))
struct GenerateCommandTests {
    /// A response `tally sample` stored is drawn again by `tally generate` from the seed stored with it.
    @Test func generateReproducesWhatSampleStoredForTheSameSeed() throws {
        let temp = try TemporaryFolder()
        let (workspace, _) = try SampleEvalCommandTests.workspaceWithTinyCheckpoint(in: temp)
        let sampled = try TallyBinary.run([
            "sample", "--checkpoint", "tiny", "--k", "3", "--temperature", "0.9", "--max-new-tokens", "12",
            "--seed", "7", "--style", "transcript", "--workspace", workspace,
        ])
        #expect(sampled.status == 0, "stderr: \(sampled.error)")
        let database = try Workspace(root: URL(fileURLWithPath: workspace)).openDatabase()
        let stored = try (1...3).map { try database.response(id: Int64($0)) }
        database.close()
        #expect(Set(stored.map(\.promptID)).count == 1, "the first prompt's three responses")
        let seed = try #require(stored[0].seed)

        let generated = try TallyBinary.run([
            "generate", "--checkpoint", "tiny", "--prompt", World.generationPrefix(for: "What is 12 plus 30?"),
            "--samples", "3", "--temperature", "0.9", "--max-tokens", "12", "--seed", String(seed), "--json",
            "--workspace", workspace,
        ])
        #expect(generated.status == 0, "stderr: \(generated.error)")
        let texts = try generated.output.split(separator: "\n").map { line in
            let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
            return try #require(object?["text"] as? String)
        }
        #expect(texts == stored.map(\.text))
        #expect(Set(texts).count > 1, "temperature 0.9 draws different texts: \(texts)")
    }
}
