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

    /// How the key is written in the help overlay and the hint bar.
    public var label: String {
        switch self {
        case .character(" "): return "Space"
        case .character(let character): return String(character)
        case .enter: return "Enter"
        case .tab: return "Tab"
        case .backTab: return "S-Tab"
        case .backspace: return "Bksp"
        case .delete: return "Del"
        case .escape: return "Esc"
        case .up: return "↑"
        case .down: return "↓"
        case .left: return "←"
        case .right: return "→"
        case .home: return "Home"
        case .end: return "End"
        case .pageUp: return "PgUp"
        case .pageDown: return "PgDn"
        case .shiftUp: return "S-↑"
        case .shiftDown: return "S-↓"
        case .shiftLeft: return "S-←"
        case .shiftRight: return "S-→"
        case .shiftHome: return "S-Home"
        case .shiftEnd: return "S-End"
        case .wordLeft: return "C-←"
        case .wordRight: return "C-→"
        case .shiftWordLeft: return "C-S-←"
        case .shiftWordRight: return "C-S-→"
        case .control(" "): return "C-Space"
        case .control(let character): return "C-" + String(character)
        case .alt(let character): return "M-" + String(character)
        case .function(let number): return "F\(number)"
        case .paste: return "paste"
        case .resize: return "resize"
        }
    }
}
