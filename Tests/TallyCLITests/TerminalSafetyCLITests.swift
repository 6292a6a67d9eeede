import Foundation
import Testing

/// Names and text from files and models reach the terminal neutralised: no escape sequence, no bidi control, no
/// invisible joiner gets through `tally eval` or `tally status`.
@Suite(.enabled(if: TallyBinary.url != nil, "the tally executable is built next to the tests"))
struct TerminalSafetyCLITests {
    /// A bidi override, a zero-width joiner, an OSC 52 clipboard write and an 8-bit CSI.
    static let trojan = "a\u{202E}b\u{200D}c\u{1B}]52;c;aGk=\u{07}d\u{9B}2J"
    static let neutralised = "a<U+202E>b<U+200D>c␛]52;c;aGk=␇d<U+009B>2J"

    static func expectInert(_ text: String, sourceLocation: SourceLocation = #_sourceLocation) {
        for forbidden in ["\u{202E}", "\u{200D}", "\u{1B}", "\u{07}", "\u{9B}"] {
            #expect(!text.contains(forbidden), "\(text.debugDescription)", sourceLocation: sourceLocation)
        }
        #expect(text.contains(neutralised), "\(text.debugDescription)", sourceLocation: sourceLocation)
    }

    @Test func evalShowsACheckpointFolderNameNeutralised() throws {
        let temp = try TemporaryFolder()
        let folder = temp.url.appendingPathComponent(Self.trojan)
        try TinyCheckpoint.write(to: folder)
        let result = try TallyBinary.run(
            ["eval", "--checkpoint", folder.path, "--per-family", "1", "--max-new-tokens", "2"], in: temp.url)
        #expect(result.status == 0, "stderr: \(result.error)")
        Self.expectInert(result.output)
        #expect(!result.error.contains("\u{1B}"))
    }

    @Test func statusShowsAWorkspacePathNeutralised() throws {
        let temp = try TemporaryFolder()
        let workspace = temp.url.appendingPathComponent(Self.trojan).path
        #expect(try TallyBinary.run(["init", workspace]).status == 0)
        let result = try TallyBinary.run(["status", "--workspace", workspace])
        #expect(result.status == 0, "stderr: \(result.error)")
        Self.expectInert(result.output)
    }
}
