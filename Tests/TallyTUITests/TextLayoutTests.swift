import Testing

@testable import TallyTUI

@Suite struct TextLayoutTests {
    @Test func wrapsAtWordsAndBreaksLongWords() {
        #expect(TextLayout.wrap("the quick brown fox", width: 10) == ["the quick", "brown fox"])
        #expect(TextLayout.wrap("abcdefghij", width: 4) == ["abcd", "efgh", "ij"])
        #expect(TextLayout.wrap("a\n\nb", width: 4) == ["a", "", "b"])
    }

    @Test func cjkWrapsByColumns() {
        let lines = TextLayout.wrap("中文中文中文", width: 5)
        #expect(lines == ["中文", "中文", "中文"])
        for line in lines { #expect(DisplayWidth.of(line) <= 5) }
    }

    @Test func truncateAddsAnEllipsis() {
        #expect(TextLayout.truncate("hello world", width: 6) == "hello…")
        #expect(TextLayout.truncate("中文中文", width: 5) == "中文…")
        #expect(TextLayout.truncate("short", width: 10) == "short")
    }
}

@Suite struct MarkdownRendererTests {
    func text(_ lines: [StyledLine]) -> [String] {
        lines.map { $0.map(\.text).joined() }
    }

    @Test func headingsListsEmphasisAndCode() {
        let source = """
            # Guidelines

            Be **helpful** and *honest*, use `code`.

            - first item
              - nested item
            1. numbered

            ```
            let x = 1
            ```
            > quoted
            """
        let lines = MarkdownRenderer.render(source, width: 40)
        let plain = text(lines)
        #expect(plain[0] == "Guidelines")
        #expect(lines[0][0].style.bold)
        #expect(plain[1].hasPrefix("──────────"))
        #expect(plain.contains("Be helpful and honest, use code."))
        let paragraph = lines.first { $0.map(\.text).joined().hasPrefix("Be") } ?? []
        #expect(paragraph.contains { $0.text == "helpful" && $0.style.bold })
        #expect(paragraph.contains { $0.text == "honest" && $0.style.underline })
        #expect(paragraph.contains { $0.text == "code" && $0.style.role == .code })
        #expect(plain.contains("• first item"))
        #expect(plain.contains("  ◦ nested item"))
        #expect(plain.contains("1. numbered"))
        #expect(plain.contains("  let x = 1"))
        #expect(plain.contains("│ quoted"))
    }

    @Test func listItemsWrapWithAHangingIndent() {
        let lines = text(MarkdownRenderer.render("- alpha beta gamma delta", width: 14))
        #expect(lines == ["• alpha beta", "  gamma delta"])
    }

    @Test func escapesInTheSourceAreNeutralised() {
        let lines = text(MarkdownRenderer.render("# Title\u{1B}[2J", width: 40))
        #expect(lines[0] == "Title␛[2J")
    }
}
