/// A key press (or a paste, or a resize) as the screens see it, independent of the terminal backend.
public enum Key: Equatable, Hashable, Sendable {
    case character(Character)
    case enter, tab, backTab, backspace, delete, escape
    case up, down, left, right, home, end, pageUp, pageDown
    case shiftUp, shiftDown, shiftLeft, shiftRight, shiftHome, shiftEnd
    /// Word motions (Ctrl+arrow, or Alt+arrow on some terminals).
    case wordLeft, wordRight, shiftWordLeft, shiftWordRight
    /// Ctrl plus a letter, lowercased: `.control("s")`. Ctrl+Space is `.control(" ")`.
    case control(Character)
    /// Alt (Meta) plus a character: `.alt("b")`.
    case alt(Character)
    case function(Int)
    /// Text pasted in one go (bracketed paste).
    case paste(String)
    /// The terminal changed size: redraw.
    case resize
}
