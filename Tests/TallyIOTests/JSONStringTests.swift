import Foundation
import Testing

@testable import TallyIO

/// The one rule for JSON string literals Tally writes by hand.
@Suite struct JSONStringTests {
    @Test func quotesBackslashesAndC0ControlsAreEscaped() {
        #expect(JSONString.quoted(#"say "hi" \ bye"#) == #""say \"hi\" \\ bye""#)
        #expect(JSONString.quoted("a\nb\rc\td") == #""a\nb\rc\td""#)
        #expect(JSONString.quoted("\u{0}\u{8}\u{C}\u{1B}[31m\u{1F}") == #""\u0000\u0008\u000c\u001b[31m\u001f""#)
    }

    @Test func delC1AndLineSeparatorsAreEscapedSoPrintedLinesStayInert() {
        #expect(JSONString.quoted("\u{7F}") == #""\u007f""#)
        #expect(JSONString.quoted("x\u{85}y\u{9B}2J") == #""x\u0085y\u009b2J""#)
        #expect(JSONString.quoted("one\u{2028}two\u{2029}") == #""one\u2028two\u2029""#)
    }

    @Test func everyOtherCharacterIsWrittenAsUTF8() {
        // U+00A0 and U+2027/U+202A sit right beside the escaped ranges; "/" is never escaped.
        let text = "é ü 中文 😀 \u{A0}\u{2027}\u{202A}\u{202F} a/b"
        #expect(JSONString.quoted(text) == "\"" + text + "\"")
    }

    /// Every character below U+3000 (and a few beyond) reads back the same through Foundation's parser and
    /// Tally's own.
    @Test func everyCharacterRoundTrips() throws {
        var scalars = (0..<0x3000).compactMap(Unicode.Scalar.init)
        scalars += ["\u{FEFF}", "\u{FFFD}", "\u{1F600}", "\u{10FFFF}"]
        let text = String(String.UnicodeScalarView(scalars))
        let literal = JSONString.quoted(text)
        let foundation = try JSONSerialization.jsonObject(with: Data(literal.utf8), options: [.fragmentsAllowed])
        #expect(foundation as? String == text)
        #expect(try JSONParser.parse(Array(literal.utf8)).stringValue == text)
    }

    @Test func appendWritesTheSameBytesAsQuoted() {
        var bytes: [UInt8] = Array("[".utf8)
        JSONString.append("tab\there", to: &bytes)
        #expect(String(decoding: bytes, as: UTF8.self) == "[" + JSONString.quoted("tab\there"))
    }
}
