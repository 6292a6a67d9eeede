import TallyIO

/// Renders the Markdown of the labeling instructions into styled, wrapped terminal lines.
///
/// Handles what guidelines use: ATX headings, paragraphs, bullet and numbered lists (nested by
/// indentation), block quotes, fenced code blocks, horizontal rules, and inline `**strong**`, `*emphasis*`,
/// `` `code` `` and `[links](url)`. Anything else is shown as the text it is. The source is sanitised first.
///
/// ```swift
/// let lines = MarkdownRenderer.render("# Rules\n- be **kind**", width: 40)
/// ```
public enum MarkdownRenderer {
    public static func render(_ markdown: String, width: Int) -> [StyledLine] {
        let width = max(10, width)
        let source = TerminalSanitizer.sanitize(markdown)
        let rawLines = source.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        var output: [StyledLine] = []
        var paragraph: [String] = []
        var index = 0

        func blankLineIfNeeded() {
            if let last = output.last, !last.isEmpty { output.append([]) }
        }
        func flushParagraph() {
            guard !paragraph.isEmpty else { return }
            output += TextLayout.wrap(spans: inline(paragraph.joined(separator: " ")), width: width)
            paragraph.removeAll()
            output.append([])
        }

        while index < rawLines.count {
            let line = rawLines[index]
            let trimmed = line.trimmingLeadingSpaces()
            index += 1

            if trimmed.isEmpty {
                flushParagraph()
                continue
            }
            if trimmed.hasPrefix("```") || trimmed.hasPrefix("~~~") {
                flushParagraph()
                let fence = String(trimmed.prefix(3))
                while index < rawLines.count, !rawLines[index].trimmingLeadingSpaces().hasPrefix(fence) {
                    let codeLine = rawLines[index]
                    output += TextLayout.wrap(spans: [Span("  " + codeLine, .code)], width: width, indent: 2)
                    index += 1
                }
                index += 1  // the closing fence
                output.append([])
                continue
            }
            if let level = headingLevel(trimmed) {
                flushParagraph()
                blankLineIfNeeded()
                let title = String(trimmed.dropFirst(level)).trimmingLeadingSpaces()
                let style = level == 1 ? Style(.heading, bold: true, underline: true) : Style.heading
                output += TextLayout.wrap(spans: inline(title).map { Span($0.text, style) }, width: width)
                if level == 1 {
                    output.append([
                        Span(
                            String(repeating: "─", count: min(width, DisplayWidth.of(title))),
                            Style(.heading))
                    ])
                }
                output.append([])
                continue
            }
            if isRule(trimmed) {
                flushParagraph()
                output.append([Span(String(repeating: "─", count: width), .muted)])
                continue
            }
            if trimmed.hasPrefix(">") {
                flushParagraph()
                let quoted = String(trimmed.dropFirst()).trimmingLeadingSpaces()
                let wrapped = TextLayout.wrap(spans: inline(quoted), width: width - 2)
                output += wrapped.map { [Span("│ ", .muted)] + $0 }
                continue
            }
            if let item = listItem(line) {
                flushParagraph()
                var text = item.text
                // Lazy continuation lines belong to the item.
                while index < rawLines.count {
                    let next = rawLines[index]
                    let nextTrimmed = next.trimmingLeadingSpaces()
                    if nextTrimmed.isEmpty || listItem(next) != nil || headingLevel(nextTrimmed) != nil
                        || nextTrimmed.hasPrefix("```") || nextTrimmed.hasPrefix(">")
                    {
                        break
                    }
                    text += " " + nextTrimmed
                    index += 1
                }
                let indent = String(repeating: " ", count: item.depth * 2)
                let marker = indent + item.marker + " "
                let spans = [Span(marker, .accent)] + inline(text)
                output += TextLayout.wrap(spans: spans, width: width, indent: DisplayWidth.of(marker))
                if index >= rawLines.count || rawLines[index].trimmingLeadingSpaces().isEmpty { output.append([]) }
                continue
            }
            paragraph.append(trimmed)
        }
        flushParagraph()
        while let last = output.last, last.isEmpty { output.removeLast() }
        return output
    }

    static func headingLevel(_ line: String) -> Int? {
        let hashes = line.prefix { $0 == "#" }.count
        guard hashes >= 1, hashes <= 6 else { return nil }
        let rest = line.dropFirst(hashes)
        return rest.isEmpty || rest.first == " " ? hashes : nil
    }

    static func isRule(_ line: String) -> Bool {
        let compact = line.filter { $0 != " " }
        guard compact.count >= 3, let first = compact.first, "-*_".contains(first) else { return false }
        return compact.allSatisfy { $0 == first }
    }

    static func listItem(_ line: String) -> (depth: Int, marker: String, text: String)? {
        let leading = line.prefix { $0 == " " }.count
        let rest = line.dropFirst(leading)
        let depth = leading / 2
        if let first = rest.first, "-*+".contains(first), rest.dropFirst().first == " " {
            let bullets = ["•", "◦", "▪"]
            return (depth, bullets[depth % bullets.count], String(rest.dropFirst(2)))
        }
        let digits = rest.prefix { $0.isASCII && $0.isNumber }
        if !digits.isEmpty, digits.count <= 3 {
            let after = rest.dropFirst(digits.count)
            if let dot = after.first, dot == "." || dot == ")", after.dropFirst().first == " " {
                return (depth, digits + ".", String(after.dropFirst(2)))
            }
        }
        return nil
    }

    /// Inline Markdown: strong, emphasis, code spans and links.
    static func inline(_ text: String) -> [Span] {
        var spans: [Span] = []
        var current = ""
        var bold = false
        var italic = false
        let characters = Array(text)
        var index = 0

        func style() -> Style { Style(.normal, bold: bold, underline: italic) }
        func flush() {
            if !current.isEmpty { spans.append(Span(current, style())) }
            current = ""
        }
        func closes(_ marker: String, from start: Int) -> Bool {
            var search = start
            let markerCharacters = Array(marker)
            while search + markerCharacters.count <= characters.count {
                if Array(characters[search..<search + markerCharacters.count]) == markerCharacters { return true }
                search += 1
            }
            return false
        }

        while index < characters.count {
            let character = characters[index]
            let next = index + 1 < characters.count ? characters[index + 1] : nil
            if character == "\\", let escaped = next, "\\`*_[]()#>-+!".contains(escaped) {
                current.append(escaped)
                index += 2
                continue
            }
            if character == "`" {
                if let end = characters[(index + 1)...].firstIndex(of: "`") {
                    flush()
                    spans.append(Span(String(characters[(index + 1)..<end]), .code))
                    index = end + 1
                    continue
                }
            }
            if (character == "*" || character == "_"), next == character {
                let marker = String([character, character])
                if bold || closes(marker, from: index + 2) {
                    flush()
                    bold.toggle()
                    index += 2
                    continue
                }
            }
            if character == "*" || character == "_" {
                let previous = index > 0 ? characters[index - 1] : " "
                let opening = !italic && next != nil && next != " " && (character == "*" || previous == " ")
                if (italic || (opening && closes(String(character), from: index + 1))) {
                    flush()
                    italic.toggle()
                    index += 1
                    continue
                }
            }
            if character == "[", let close = characters[index...].firstIndex(of: "]"),
                close + 1 < characters.count, characters[close + 1] == "(",
                let end = characters[(close + 1)...].firstIndex(of: ")")
            {
                flush()
                spans.append(Span(String(characters[(index + 1)..<close]), Style(.accent, underline: true)))
                spans.append(Span(" (" + String(characters[(close + 2)..<end]) + ")", .muted))
                index = end + 1
                continue
            }
            current.append(character)
            index += 1
        }
        flush()
        return spans
    }
}

extension String {
    func trimmingLeadingSpaces() -> String {
        String(drop { $0 == " " })
    }
}
