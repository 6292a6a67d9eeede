import TallyIO

/// A run of text in one style.
public struct Span: Equatable, Sendable {
    public var text: String
    public var style: Style

    public init(_ text: String, _ style: Style = .normal) {
        self.text = text
        self.style = style
    }
}

/// One row of styled text.
public typealias StyledLine = [Span]

/// Word wrapping by display width (CJK and emoji count two columns).
public enum TextLayout {
    /// Wraps untrusted multi-line text to `width` columns after sanitising it.
    ///
    /// ```swift
    /// TextLayout.wrap("the quick brown fox", width: 10)   // ["the quick", "brown fox"]
    /// ```
    public static func wrap(_ text: String, width: Int) -> [String] {
        let safe = TerminalSanitizer.sanitize(text)
        var lines: [String] = []
        for paragraph in safe.split(separator: "\n", omittingEmptySubsequences: false) {
            for line in wrap(spans: [Span(String(paragraph))], width: width) {
                lines.append(line.map(\.text).joined())
            }
        }
        return lines
    }

    /// Wraps one paragraph of styled spans (no newlines) to `width` columns; continuation rows start with
    /// `indent` spaces (for list items and quotes).
    public static func wrap(spans: [Span], width: Int, indent: Int = 0) -> [StyledLine] {
        let width = max(1, width)
        let indent = min(indent, width / 2)
        var tokens: [(text: String, style: Style, isSpace: Bool, width: Int)] = []
        for span in spans {
            var current = ""
            var currentIsSpace = false
            var currentWidth = 0
            for character in TerminalSanitizer.sanitizeLine(span.text) {
                let isSpace = character == " "
                let characterWidth = isSpace ? 1 : DisplayWidth.of(String(character))
                // Wide characters (CJK) can break anywhere, so each is its own token.
                let breaksAlone = characterWidth == 2
                if !current.isEmpty && (isSpace != currentIsSpace || breaksAlone) {
                    tokens.append((current, span.style, currentIsSpace, currentWidth))
                    current = ""
                    currentWidth = 0
                }
                current.append(character)
                currentIsSpace = isSpace
                currentWidth += characterWidth
                if breaksAlone {
                    tokens.append((current, span.style, false, currentWidth))
                    current = ""
                    currentWidth = 0
                }
            }
            if !current.isEmpty { tokens.append((current, span.style, currentIsSpace, currentWidth)) }
        }

        var lines: [StyledLine] = []
        var line: StyledLine = []
        var used = 0
        var lineHasContent = false
        func append(_ text: String, _ style: Style, _ tokenWidth: Int) {
            if let last = line.last, last.style == style {
                line[line.count - 1].text += text
            } else {
                line.append(Span(text, style))
            }
            used += tokenWidth
        }
        func newLine() {
            // A row that ends where the text wrapped carries no trailing spaces.
            while let last = line.last, last.text.last == " " {
                let trimmed = String(last.text.reversed().drop { $0 == " " }.reversed())
                if trimmed.isEmpty { line.removeLast() } else { line[line.count - 1].text = trimmed; break }
            }
            lines.append(line)
            line = indent > 0 ? [Span(String(repeating: " ", count: indent))] : []
            used = indent
            lineHasContent = false
        }
        for token in tokens {
            if token.isSpace {
                if !lineHasContent && !lines.isEmpty { continue }  // no leading spaces on continuation rows
                append(String(token.text.prefix(max(0, width - used))), token.style, min(token.width, width - used))
                continue
            }
            if used + token.width <= width {
                append(token.text, token.style, token.width)
                lineHasContent = true
                continue
            }
            if lineHasContent || used > indent { newLine() }
            if used + token.width <= width {
                append(token.text, token.style, token.width)
                lineHasContent = true
                continue
            }
            // A word longer than the row: break it between characters.
            for character in token.text {
                let characterWidth = DisplayWidth.of(String(character))
                if used + characterWidth > width && (lineHasContent || used > indent) { newLine() }
                append(String(character), token.style, characterWidth)
                lineHasContent = true
            }
        }
        lines.append(line)
        return lines
    }

    /// Draws styled lines into a rectangle of the grid, starting at line `firstLine` (for scrolling).
    public static func draw(
        _ lines: [StyledLine], into grid: inout CellGrid, row: Int, column: Int,
        width: Int, height: Int, firstLine: Int = 0
    ) {
        for offset in 0..<max(0, height) {
            let index = firstLine + offset
            guard index >= 0, index < lines.count else { break }
            var x = column
            for span in lines[index] {
                x = grid.put(span.text, row: row + offset, column: x, style: span.style, limit: column + width)
            }
        }
    }

    /// Cuts text to at most `width` columns, ending with `…` when it had to cut.
    public static func truncate(_ text: String, width: Int) -> String {
        let safe = TerminalSanitizer.sanitizeLine(text)
        if DisplayWidth.of(safe) <= width { return safe }
        guard width > 1 else { return width == 1 ? "…" : "" }
        var out = ""
        var used = 0
        for character in safe {
            let characterWidth = DisplayWidth.of(String(character))
            if used + characterWidth > width - 1 { break }
            out.append(character)
            used += characterWidth
        }
        return out + "…"
    }
}
