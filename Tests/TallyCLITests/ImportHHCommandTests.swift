import Foundation
import Testing

/// `tally import prefs` with Anthropic HH-RLHF files as they are published.
@Suite(.enabled(if: TallyBinary.url != nil, "the tally executable is built next to the tests"))
struct ImportHHCommandTests {
    private func line(_ chosen: String, _ rejected: String) throws -> String {
        String(
            decoding: try JSONSerialization.data(withJSONObject: ["chosen": chosen, "rejected": rejected]),
            as: UTF8.self)
    }

    @Test func rowsThatPartWaysBeforeTheirLastAnswerImportAndTheSummarySaysHowMany() throws {
        let temp = try TemporaryFolder()
        let workspace = temp.url.appendingPathComponent("ws").path
        #expect(try TallyBinary.run(["init", workspace]).status == 0)
        let opening = "\n\nHuman: Is it safe?\n\nAssistant: Mostly.\n\nHuman: Why?"
        _ = try temp.file(
            "test.jsonl",
            [
                try line("\n\nHuman: 2+2?\n\nAssistant: 4", "\n\nHuman: 2+2?\n\nAssistant: 5"),
                try line(
                    opening + "\n\nAssistant: Because.\n\nAssistant:  Also, tests.", opening + "\n\nAssistant: No."),
            ])
        let result = try TallyBinary.run(["import", "prefs", "test.jsonl", "--workspace", workspace], in: temp.url)
        #expect(result.status == 0, "stderr: \(result.error)")
        #expect(result.output.contains("2 of 2 lines imported"), "stdout: \(result.output)")
        #expect(result.output.contains("1 pairs part ways before their last answer"), "stdout: \(result.output)")

        let export = try TallyBinary.run(["export", "prefs", "out.jsonl", "--workspace", workspace], in: temp.url)
        #expect(export.status == 0, "stderr: \(export.error)")
        let exported = try String(contentsOf: temp.url.appendingPathComponent("out.jsonl"), encoding: .utf8)
        #expect(
            exported.contains(
                #""chosen": [{"role": "assistant", "content": "Because."}, {"role": "assistant", "content": " Also, tests."}]"#
            ), "\(exported)")
    }

    @Test func thePublishedGzipFileImportsWithThePlainCommand() throws {
        let temp = try TemporaryFolder()
        let workspace = temp.url.appendingPathComponent("ws").path
        #expect(try TallyBinary.run(["init", workspace]).status == 0)
        let plain = try temp.file(
            "test.jsonl",
            [
                try line("\n\nHuman: 2+2?\n\nAssistant: 4", "\n\nHuman: 2+2?\n\nAssistant: 5"),
                try line("\n\nHuman: 3+3?\n\nAssistant: 6", "\n\nHuman: 3+3?\n\nAssistant: 7"),
            ])
        let gzip = Process()
        gzip.executableURL = URL(fileURLWithPath: "/bin/gzip")
        gzip.arguments = [plain.path]
        try gzip.run()
        gzip.waitUntilExit()
        #expect(gzip.terminationStatus == 0)
        let result = try TallyBinary.run(
            ["import", "prefs", "test.jsonl.gz", "--workspace", workspace], in: temp.url)
        #expect(result.status == 0, "stderr: \(result.error)")
        #expect(result.output.contains("2 of 2 lines imported"), "stdout: \(result.output)")
    }
}
