import TallyIO
import Testing

@Suite struct TerminalSanitizerTests {
    /// No scalar that a terminal would interpret may survive.
    func assertInert(_ text: String, sourceLocation: SourceLocation = #_sourceLocation) {
        for scalar in text.unicodeScalars {
            let value = scalar.value
            let dangerous =
                (value < 0x20 && value != 0x0A) || (0x7F...0x9F).contains(value)
                || (0x202A...0x202E).contains(value) || (0x2066...0x2069).contains(value)
            #expect(
                !dangerous, "U+\(String(value, radix: 16)) survived in \(text.debugDescription)",
                sourceLocation: sourceLocation)
        }
    }

    @Test func escapeSequencesAreShownNotObeyed() {
        let attacks = [
            "\u{1B}[2J\u{1B}[H",  // clear screen, home
            "\u{1B}]0;owned\u{07}",  // retitle window
            "\u{1B}]52;c;cm0gLXJmIC8=\u{07}",  // write clipboard (OSC 52)
            "\u{1B}[31mred\u{1B}[0m",  // recolour
            "\u{9B}2J",  // 8-bit CSI
            "\u{9D}0;x\u{9C}",  // 8-bit OSC and ST
            "\u{1B}P+q\u{1B}\\",  // DCS
            "a\u{08}\u{08}b\r",  // backspaces and carriage return
        ]
        for attack in attacks {
            assertInert(TerminalSanitizer.sanitize(attack))
            assertInert(TerminalSanitizer.sanitizeLine(attack))
        }
        #expect(TerminalSanitizer.sanitize("\u{1B}]52;c;aGk=\u{07}") == "␛]52;c;aGk=␇")
        #expect(TerminalSanitizer.sanitize("\u{9B}2J") == "<U+009B>2J")
        #expect(TerminalSanitizer.sanitize("del\u{7F}") == "del␡")
    }

    @Test func newlinesTabsAndCarriageReturns() {
        #expect(TerminalSanitizer.sanitize("a\r\nb\tc") == "a\nb    c")
        #expect(TerminalSanitizer.sanitize("over\rwrite") == "over␍write")
        #expect(TerminalSanitizer.sanitizeLine("a\nb") == "a␤b")
        #expect(TerminalSanitizer.sanitize("a\u{2028}b") == "a\nb")
    }

    @Test func bidiOverridesAndInvisibleCharactersAreMadeVisible() {
        // "Trojan source": an override that would display text reversed.
        #expect(TerminalSanitizer.sanitize("abc\u{202E}def\u{202C}") == "abc<U+202E>def<U+202C>")
        #expect(TerminalSanitizer.sanitize("pass\u{200B}word") == "pass<U+200B>word")
        #expect(TerminalSanitizer.sanitize("\u{FEFF}bom") == "<U+FEFF>bom")
        #expect(TerminalSanitizer.sanitize("soft\u{AD}hyphen") == "soft<U+00AD>hyphen")
        // Tag characters used to smuggle hidden instructions.
        #expect(TerminalSanitizer.sanitize("hi\u{E0041}\u{E0042}") == "hi<U+E0041><U+E0042>")
        // A joiner between letters is a trick; between emoji it is a family.
        #expect(TerminalSanitizer.sanitize("a\u{200D}b") == "a<U+200D>b")
        #expect(TerminalSanitizer.sanitize("👨\u{200D}👩") == "👨\u{200D}👩")
    }

    @Test func deprecatedFormatControlsAndStrayNonJoinersAreMadeVisible() {
        #expect(TerminalSanitizer.sanitize("x\u{206E}1") == "x<U+206E>1")
        #expect(TerminalSanitizer.sanitize("admin\u{200C}") == "admin<U+200C>")
        #expect(TerminalSanitizer.sanitize("a\u{1D173}b") == "a<U+1D173>b")
        // Persian needs its non-joiner between letters.
        #expect(TerminalSanitizer.sanitize("می\u{200C}خواهم") == "می\u{200C}خواهم")
    }

    /// A Trojan-source line as a model might write it: every trick in one string, all neutralised.
    @Test func aTrojanSourceLineComesOutInert() {
        let attack = "ok\u{202E}evil\u{2066}\u{200D}x\u{1B}]52;c;aGk=\u{07}\u{9B}31m\u{200B}end"
        let expected = "ok<U+202E>evil<U+2066><U+200D>x␛]52;c;aGk=␇<U+009B>31m<U+200B>end"
        #expect(TerminalSanitizer.sanitize(attack) == expected)
        #expect(TerminalSanitizer.sanitizeLine(attack) == expected)
    }

    @Test func ordinaryUnicodeIsLeftAlone() {
        let text = "Grüße, 世界! 😀 café e\u{301} مرحبا"
        #expect(TerminalSanitizer.sanitize(text) == text)
    }
}
