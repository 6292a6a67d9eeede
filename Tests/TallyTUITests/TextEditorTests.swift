import Testing

@testable import TallyTUI

@Suite struct TextEditorTests {
    func type(_ text: String, into editor: inout TextEditor) {
        for character in text { editor.handle(character == "\n" ? .enter : .character(character)) }
    }

    @Test func typingNewlinesAndBackspace() {
        var editor = TextEditor()
        type("Hello\nwörld", into: &editor)
        #expect(editor.text == "Hello\nwörld")
        editor.handle(.backspace)
        editor.handle(.backspace)
        #expect(editor.text == "Hello\nwör")
        editor.handle(.home)
        editor.handle(.backspace)  // joins the lines
        #expect(editor.text == "Hellowör")
        #expect(editor.cursor == TextPosition(line: 0, column: 5))
    }

    @Test func graphemesAreOneStepEach() {
        var editor = TextEditor(text: "a👨‍👩‍👧e\u{301}中")
        #expect(editor.cursor.column == 4)
        editor.handle(.left)
        editor.handle(.backspace)  // removes é as one character
        #expect(editor.text == "a👨‍👩‍👧中")
        editor.handle(.left)
        editor.handle(.delete)
        #expect(editor.text == "a中")
    }

    @Test func wordMotionsAndDeleteWord() {
        var editor = TextEditor(text: "the quick, brown fox")
        editor.handle(.home)
        editor.handle(.wordRight)
        #expect(editor.cursor.column == 3)
        editor.handle(.wordRight)
        #expect(editor.cursor.column == 9)
        editor.handle(.alt("f"))
        #expect(editor.cursor.column == 16)
        editor.handle(.wordLeft)
        #expect(editor.cursor.column == 11)
        editor.handle(.end)
        editor.handle(.control("w"))
        #expect(editor.text == "the quick, brown ")
    }

    @Test func selectionCutAndPaste() {
        var editor = TextEditor(text: "one two three")
        editor.handle(.home)
        editor.handle(.shiftWordRight)
        #expect(editor.selectedText == "one")
        editor.handle(.control("x"))
        #expect(editor.text == " two three")
        editor.handle(.end)
        editor.handle(.control("v"))
        #expect(editor.text == " two threeone")
        // Typing replaces a selection.
        editor.handle(.alt("a"))
        editor.handle(.character("X"))
        #expect(editor.text == "X")
    }

    @Test func markSelectionAcrossLinesWithControlSpace() {
        var editor = TextEditor(text: "ab\ncd")
        editor.handle(.alt("<"))
        editor.handle(.right)
        editor.handle(.control(" "))
        editor.handle(.down)
        #expect(editor.selectedText == "b\nc")
        editor.handle(.control("c"))
        #expect(editor.clipboard == "b\nc")
        #expect(editor.selection == nil)
    }

    @Test func undoRedoGroupsTypingIntoWords() {
        var editor = TextEditor()
        type("hello world", into: &editor)
        editor.handle(.control("z"))
        #expect(editor.text == "hello ")
        editor.handle(.control("z"))
        #expect(editor.text == "hello")
        editor.handle(.control("z"))
        #expect(editor.text == "")
        editor.handle(.control("y"))
        editor.handle(.control("y"))
        #expect(editor.text == "hello ")
        editor.replaceAll(with: "draft text")
        editor.handle(.control("z"))
        #expect(editor.text == "hello ")
    }

    @Test func pasteDropsControlsAndNormalisesLineEnds() {
        var editor = TextEditor()
        editor.handle(.paste("a\r\nb\u{1B}[31m\tc\u{202E}"))
        #expect(editor.text == "a\nb[31m    c")
    }

    @Test func verticalMotionKeepsTheDisplayColumnOverWideCharacters() {
        var editor = TextEditor(text: "中文中文\nabcdefgh")
        editor.handle(.alt("<"))
        editor.handle(.right)
        editor.handle(.right)  // display column 4
        editor.handle(.down)
        #expect(editor.cursor == TextPosition(line: 1, column: 4))
        editor.handle(.right)  // display column 5: halfway through a wide character going up
        editor.handle(.up)
        #expect(editor.cursor == TextPosition(line: 0, column: 2))
    }

    @Test func softWrapAndCursorOnTheGrid() {
        var editor = TextEditor(text: "aaaa bbbb cccc")
        var grid = CellGrid(width: 8, height: 4)
        editor.draw(into: &grid, row: 0, column: 0, width: 8, height: 4, focused: true)
        #expect(grid.rowText(0).hasPrefix("aaaa "))
        #expect(grid.rowText(1).hasPrefix("bbbb "))
        #expect(grid.rowText(2).hasPrefix("cccc"))
        #expect(grid.cursor?.row == 2)
        #expect(grid.cursor?.column == 4)
    }

    @Test func scrollingKeepsTheCursorVisible() {
        var editor = TextEditor(text: (1...20).map { "line \($0)" }.joined(separator: "\n"))
        var grid = CellGrid(width: 20, height: 5)
        editor.draw(into: &grid, row: 0, column: 0, width: 20, height: 5, focused: true)
        #expect(grid.rowText(4).hasPrefix("line 20"))
        #expect(grid.cursor?.row == 4)
    }

    @Test func editDistance() {
        #expect(EditDistance.between("kitten", "sitting") == 3)
        #expect(EditDistance.between("", "abc") == 3)
        #expect(EditDistance.between("中文", "中文!") == 1)
    }
}
