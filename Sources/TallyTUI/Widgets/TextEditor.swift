/// A position in the editor: logical line and character (grapheme) index within it.
public struct TextPosition: Equatable, Comparable, Sendable {
    public var line: Int
    public var column: Int

    public init(line: Int, column: Int) {
        self.line = line
        self.column = column
    }

    public static func < (lhs: TextPosition, rhs: TextPosition) -> Bool {
        lhs.line != rhs.line ? lhs.line < rhs.line : lhs.column < rhs.column
    }
}

/// A multi-line text editor for writing demonstrations: grapheme-aware (CJK, emoji, combining marks),
/// with word motions, selection, undo/redo, an internal clipboard and paste.
///
/// Keys (see `handle(_:)`): arrows, Home/End (C-a/C-e), C-←/C-→ or M-b/M-f by word, Shift+motion or C-Space
/// to select, C-z undo, C-y redo, C-c/C-x/C-v copy/cut/paste, C-k kill to end of line, C-w delete word back.
///
/// ```swift
/// var editor = TextEditor(text: "Hello")
/// editor.handle(.end); editor.handle(.character("!"))
/// editor.text   // "Hello!"
/// ```
public struct TextEditor: Sendable {
    public private(set) var lines: [[Character]]
    public private(set) var cursor = TextPosition(line: 0, column: 0)
    /// The other end of the selection, when one is active.
    public private(set) var anchor: TextPosition?
    /// Text copied or cut inside the editor.
    public var clipboard = ""
    /// Columns available for soft wrapping; the screen sets it before drawing.
    public var wrapWidth = 80
    /// The first visual row shown (kept so the cursor stays visible).
    public internal(set) var scrollRow = 0

    private struct Snapshot: Sendable {
        var lines: [[Character]]
        var cursor: TextPosition
    }
    private enum EditKind { case typing, deleting, other }
    private var undoStack: [Snapshot] = []
    private var redoStack: [Snapshot] = []
    private var lastEdit: EditKind?
    private var groupLength = 0
    private var preferredColumn: Int?
    private var markActive = false
    static let undoLimit = 500

    public init(text: String = "") {
        lines = [[]]
        lines = Self.split(Self.clean(text))
        cursor = TextPosition(line: lines.count - 1, column: lines[lines.count - 1].count)
    }

    /// The whole text, lines joined by newlines.
    public var text: String {
        lines.map { String($0) }.joined(separator: "\n")
    }

    public var isEmpty: Bool { lines.count == 1 && lines[0].isEmpty }

    /// The selected range, ordered, when a non-empty selection is active.
    public var selection: (start: TextPosition, end: TextPosition)? {
        guard let anchor, anchor != cursor else { return nil }
        return (min(anchor, cursor), max(anchor, cursor))
    }

    public var selectedText: String? {
        guard let selection else { return nil }
        return textBetween(selection.start, selection.end)
    }

    // MARK: Keys

    /// Applies a key; returns `false` when the key means nothing to the editor (the screen may use it).
    @discardableResult
    public mutating func handle(_ key: Key) -> Bool {
        switch key {
        case .character(let character): insert(String(character), kind: .typing)
        case .paste(let text): insert(text, kind: .other)
        case .enter: insert("\n", kind: .other)
        case .backspace, .control("h"): deleteBackward()
        case .delete, .control("d"): deleteForward()
        case .left, .control("b"): move(extend: false) { $0.positionBefore($0.cursor) }
        case .right, .control("f"): move(extend: false) { $0.positionAfter($0.cursor) }
        case .shiftLeft: move(extend: true) { $0.positionBefore($0.cursor) }
        case .shiftRight: move(extend: true) { $0.positionAfter($0.cursor) }
        case .up, .control("p"): moveVertically(by: -1, extend: false)
        case .down, .control("n"): moveVertically(by: 1, extend: false)
        case .shiftUp: moveVertically(by: -1, extend: true)
        case .shiftDown: moveVertically(by: 1, extend: true)
        case .pageUp: moveVertically(by: -10, extend: false)
        case .pageDown: moveVertically(by: 10, extend: false)
        case .home, .control("a"): move(extend: false) { TextPosition(line: $0.cursor.line, column: 0) }
        case .end, .control("e"): move(extend: false) { $0.lineEnd($0.cursor.line) }
        case .shiftHome: move(extend: true) { TextPosition(line: $0.cursor.line, column: 0) }
        case .shiftEnd: move(extend: true) { $0.lineEnd($0.cursor.line) }
        case .wordLeft, .alt("b"): move(extend: false) { $0.wordStart(before: $0.cursor) }
        case .wordRight, .alt("f"): move(extend: false) { $0.wordEnd(after: $0.cursor) }
        case .shiftWordLeft: move(extend: true) { $0.wordStart(before: $0.cursor) }
        case .shiftWordRight: move(extend: true) { $0.wordEnd(after: $0.cursor) }
        case .alt("<"): move(extend: false) { _ in TextPosition(line: 0, column: 0) }
        case .alt(">"): move(extend: false) { $0.lineEnd($0.lines.count - 1) }
        case .alt("a"): selectAll()
        case .control(" "), .control("@"): toggleMark()
        case .control("z"): undo()
        case .control("y"): redo()
        case .control("c"): copy()
        case .control("x"): cut()
        case .control("v"): insert(clipboard, kind: .other)
        case .control("k"): killToLineEnd()
        case .control("w"), .alt("\u{7F}"): deleteWordBackward()
        default: return false
        }
        return true
    }

    // MARK: Editing

    /// Inserts text at the cursor, replacing the selection. Controls other than newline are dropped and
    /// tabs become spaces, so a stored demonstration never carries terminal escapes.
    public mutating func insert(_ raw: String) {
        insert(raw, kind: .other)
    }

    /// Replaces the whole text (taking a draft as the starting point); undoable.
    public mutating func replaceAll(with text: String) {
        recordUndo(.other)
        lines = Self.split(Self.clean(text))
        cursor = lineEnd(lines.count - 1)
        anchor = nil
        markActive = false
    }

    private mutating func insert(_ raw: String, kind: EditKind) {
        let text = Self.clean(raw)
        guard !text.isEmpty || selection != nil else { return }
        let breaksGroup = kind == .typing && (text == " " || groupLength >= 30)
        recordUndo(breaksGroup ? .other : kind)
        deleteSelection()
        let pieces = Self.split(text)
        let line = lines[cursor.line]
        let head = Array(line[..<cursor.column])
        let tail = Array(line[cursor.column...])
        if pieces.count == 1 {
            lines[cursor.line] = head + pieces[0] + tail
            cursor.column += pieces[0].count
        } else {
            var newLines = [head + pieces[0]]
            newLines += pieces[1..<(pieces.count - 1)]
            newLines.append(pieces[pieces.count - 1] + tail)
            lines.replaceSubrange(cursor.line...cursor.line, with: newLines)
            cursor = TextPosition(line: cursor.line + pieces.count - 1, column: pieces[pieces.count - 1].count)
        }
        preferredColumn = nil
    }

    private mutating func deleteBackward() {
        if selection != nil {
            recordUndo(.other)
            deleteSelection()
            return
        }
        guard cursor != TextPosition(line: 0, column: 0) else { return }
        recordUndo(.deleting)
        let start = positionBefore(cursor)
        removeRange(start, cursor)
        cursor = start
    }

    private mutating func deleteForward() {
        if selection != nil {
            recordUndo(.other)
            deleteSelection()
            return
        }
        let end = positionAfter(cursor)
        guard end != cursor else { return }
        recordUndo(.deleting)
        removeRange(cursor, end)
    }

    private mutating func deleteWordBackward() {
        let start = wordStart(before: cursor)
        guard start != cursor else { return }
        recordUndo(.other)
        removeRange(start, cursor)
        cursor = start
        anchor = nil
    }

    private mutating func killToLineEnd() {
        let end = cursor.column < lines[cursor.line].count ? lineEnd(cursor.line) : positionAfter(cursor)
        guard end != cursor else { return }
        recordUndo(.other)
        clipboard = textBetween(cursor, end)
        removeRange(cursor, end)
        anchor = nil
    }

    private mutating func copy() {
        if let selected = selectedText { clipboard = selected }
        anchor = nil
        markActive = false
    }

    private mutating func cut() {
        guard let selected = selectedText else { return }
        clipboard = selected
        recordUndo(.other)
        deleteSelection()
    }

    private mutating func selectAll() {
        anchor = TextPosition(line: 0, column: 0)
        cursor = lineEnd(lines.count - 1)
        markActive = true
    }

    private mutating func toggleMark() {
        if markActive || anchor != nil {
            anchor = nil
            markActive = false
        } else {
            anchor = cursor
            markActive = true
        }
    }

    private mutating func deleteSelection() {
        guard let selection else {
            anchor = nil
            markActive = false
            return
        }
        removeRange(selection.start, selection.end)
        cursor = selection.start
        anchor = nil
        markActive = false
    }

    private mutating func removeRange(_ start: TextPosition, _ end: TextPosition) {
        let head = Array(lines[start.line][..<start.column])
        let tail = Array(lines[end.line][end.column...])
        lines.replaceSubrange(start.line...end.line, with: [head + tail])
        preferredColumn = nil
    }

    private func textBetween(_ start: TextPosition, _ end: TextPosition) -> String {
        if start.line == end.line { return String(lines[start.line][start.column..<end.column]) }
        var parts = [String(lines[start.line][start.column...])]
        for line in (start.line + 1)..<end.line { parts.append(String(lines[line])) }
        parts.append(String(lines[end.line][..<end.column]))
        return parts.joined(separator: "\n")
    }

    // MARK: Undo

    private mutating func recordUndo(_ kind: EditKind) {
        redoStack.removeAll()
        if kind != .other, kind == lastEdit {
            groupLength += 1
            return
        }
        undoStack.append(Snapshot(lines: lines, cursor: cursor))
        if undoStack.count > Self.undoLimit { undoStack.removeFirst() }
        lastEdit = kind
        groupLength = 0
    }

    /// Undoes the last group of edits (a run of typing is one group).
    public mutating func undo() {
        guard let snapshot = undoStack.popLast() else { return }
        redoStack.append(Snapshot(lines: lines, cursor: cursor))
        restore(snapshot)
    }

    /// Redoes what `undo` took back.
    public mutating func redo() {
        guard let snapshot = redoStack.popLast() else { return }
        undoStack.append(Snapshot(lines: lines, cursor: cursor))
        restore(snapshot)
    }

    private mutating func restore(_ snapshot: Snapshot) {
        lines = snapshot.lines
        cursor = snapshot.cursor
        anchor = nil
        markActive = false
        lastEdit = nil
        preferredColumn = nil
    }

    // MARK: Motion

    private mutating func move(extend: Bool, to target: (TextEditor) -> TextPosition) {
        let destination = target(self)
        if extend || markActive {
            if anchor == nil { anchor = cursor }
        } else {
            anchor = nil
        }
        cursor = destination
        lastEdit = nil
        preferredColumn = nil
    }

    private mutating func moveVertically(by rows: Int, extend: Bool) {
        let layout = visualRows(width: wrapWidth)
        let (row, column) = visualCursor(in: layout)
        let goal = preferredColumn ?? column
        let targetRow = max(0, min(layout.count - 1, row + rows))
        let target: TextPosition
        if targetRow == row {
            target = rows < 0 ? TextPosition(line: 0, column: 0) : lineEnd(lines.count - 1)
        } else {
            target = position(
                inVisualRow: layout[targetRow], atDisplayColumn: goal,
                isLastOfLine:
                    targetRow + 1 >= layout.count || layout[targetRow + 1].line != layout[targetRow].line)
        }
        move(extend: extend) { _ in target }
        preferredColumn = goal
    }

    func positionBefore(_ position: TextPosition) -> TextPosition {
        if position.column > 0 { return TextPosition(line: position.line, column: position.column - 1) }
        if position.line > 0 { return lineEnd(position.line - 1) }
        return position
    }

    func positionAfter(_ position: TextPosition) -> TextPosition {
        if position.column < lines[position.line].count {
            return TextPosition(line: position.line, column: position.column + 1)
        }
        if position.line + 1 < lines.count { return TextPosition(line: position.line + 1, column: 0) }
        return position
    }

    func lineEnd(_ line: Int) -> TextPosition {
        TextPosition(line: line, column: lines[line].count)
    }

    static func isWordCharacter(_ character: Character) -> Bool {
        character.isLetter || character.isNumber || character == "_" || character == "'"
    }

    func character(at position: TextPosition) -> Character? {
        position.column < lines[position.line].count ? lines[position.line][position.column] : nil
    }

    /// The start of the word before the position (skipping spaces and punctuation first, across lines).
    func wordStart(before position: TextPosition) -> TextPosition {
        var current = position
        while current != TextPosition(line: 0, column: 0) {
            let previous = positionBefore(current)
            if let character = character(at: previous), Self.isWordCharacter(character) { break }
            current = previous
        }
        while current.column > 0 {
            let previous = positionBefore(current)
            guard let character = character(at: previous), Self.isWordCharacter(character) else { break }
            current = previous
        }
        return current
    }

    /// The end of the word after the position.
    func wordEnd(after position: TextPosition) -> TextPosition {
        var current = position
        while true {
            if let character = character(at: current), Self.isWordCharacter(character) { break }
            let next = positionAfter(current)
            if next == current { return current }
            current = next
        }
        while let character = character(at: current), Self.isWordCharacter(character) {
            current = positionAfter(current)
        }
        return current
    }

    // MARK: Helpers

    static func clean(_ raw: String) -> String {
        var out = String.UnicodeScalarView()
        let scalars = Array(raw.unicodeScalars)
        for (index, scalar) in scalars.enumerated() {
            switch scalar.value {
            case 0x0A: out.append(scalar)
            case 0x0D: if index + 1 >= scalars.count || scalars[index + 1].value != 0x0A { out.append("\n") }
            case 0x09: out.append(contentsOf: "    ".unicodeScalars)
            case 0x00...0x1F, 0x7F...0x9F: continue
            case 0x202A...0x202E, 0x2066...0x2069: continue  // bidi overrides have no place in a demonstration
            default: out.append(scalar)
            }
        }
        return String(out)
    }

    static func split(_ text: String) -> [[Character]] {
        text.split(separator: "\n", omittingEmptySubsequences: false).map { Array($0) }
    }
}
