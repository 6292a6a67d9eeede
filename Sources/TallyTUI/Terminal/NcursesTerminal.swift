import CNcursesw
import Foundation

/// The set once by the signal handlers below; read by the event loop.
nonisolated(unsafe) private var receivedTerminationSignal: sig_atomic_t = 0

/// The real terminal: ncursesw in raw mode, painting a `CellGrid` by difference and decoding keys.
///
/// Colours follow `ColorRole`s; with `NO_COLOR` set (non-empty) or on a terminal without colours only
/// bold, underline, reverse and dim are used. Bracketed paste arrives as one `.paste` key.
public final class NcursesTerminal {
    public private(set) var width = 0
    public private(set) var height = 0
    public let usesColor: Bool
    private var painted: CellGrid?
    private var pending: [Int32] = []
    private var extendedKeys: [Int32: Key] = [:]
    private var isOpen = false

    /// Why curses could not start.
    public struct StartError: Error, CustomStringConvertible {
        public var description: String
    }

    private let isHeadless: Bool

    /// Starts curses on the controlling terminal. Call `close()` (also on errors) to give the screen back.
    ///
    /// With `headless`, curses paints into /dev/null as a `TERM=xterm-256color` terminal of that size instead:
    /// the benchmark uses it to time the real painting work without a screen.
    public init(
        environment: [String: String] = ProcessInfo.processInfo.environment,
        headless: (rows: Int, columns: Int)? = nil
    ) throws {
        DisplayWidth.prepareLocale()
        isHeadless = headless != nil
        set_escdelay(25)
        if let headless {
            guard tally_newterm_headless("xterm-256color", Int32(headless.rows), Int32(headless.columns)) != nil else {
                throw StartError(description: "could not start a headless xterm-256color screen")
            }
        } else {
            guard isatty(STDIN_FILENO) != 0, isatty(STDOUT_FILENO) != 0 else {
                throw StartError(description: "tally label needs a terminal (standard input and output are not one)")
            }
            guard newterm(nil, stdout, stdin) != nil else {
                let term = environment["TERM"] ?? "(unset)"
                throw StartError(
                    description: "the terminal type TERM=\(term) is unknown to ncurses; try TERM=xterm-256color")
            }
        }
        isOpen = true
        raw()
        noecho()
        nonl()
        keypad(tally_stdscr(), true)
        wtimeout(tally_stdscr(), 100)
        let noColor = !(environment["NO_COLOR"] ?? "").isEmpty
        usesColor = !noColor && has_colors()
        if usesColor {
            start_color()
            use_default_colors()
            for role in ColorRole.allCases {
                init_pair(Int16(role.rawValue) + 1, Self.foreground(for: role), -1)
            }
        }
        mapExtendedKeys()
        width = Int(tally_getmaxx(tally_stdscr()))
        height = Int(tally_getmaxy(tally_stdscr()))
        if !isHeadless {
            writeControl("\u{1B}[?2004h")  // bracketed paste on
            Self.installSignalHandlers()
        }
    }

    deinit { close() }

    /// Restores the terminal.
    public func close() {
        guard isOpen else { return }
        isOpen = false
        if !isHeadless { writeControl("\u{1B}[?2004l") }
        curs_set(1)
        endwin()
    }

    /// Whether SIGHUP (lost connection) or SIGTERM/SIGINT arrived.
    public var terminationRequested: Bool { receivedTerminationSignal != 0 }

    private static func installSignalHandlers() {
        signal(SIGPIPE, SIG_IGN)
        let handler: @convention(c) (Int32) -> Void = { _ in receivedTerminationSignal = 1 }
        signal(SIGHUP, handler)
        signal(SIGTERM, handler)
        signal(SIGINT, handler)
        // A parent may have started us with these blocked (Foundation's Process does): a hang-up must arrive.
        var unblock = sigset_t()
        sigemptyset(&unblock)
        sigaddset(&unblock, SIGHUP)
        sigaddset(&unblock, SIGTERM)
        sigaddset(&unblock, SIGINT)
        sigprocmask(SIG_UNBLOCK, &unblock, nil)
    }

    private func writeControl(_ sequence: String) {
        // Our own fixed sequences, never content: content only reaches the terminal through the grid.
        fputs(sequence, stdout)
        fflush(stdout)
    }

    private static func foreground(for role: ColorRole) -> Int16 {
        switch role {
        case .normal, .hint, .selection: return -1
        case .accent, .tier: return Int16(COLOR_CYAN)
        case .heading: return Int16(COLOR_YELLOW)
        case .muted: return -1
        case .success: return Int16(COLOR_GREEN)
        case .warning: return Int16(COLOR_YELLOW)
        case .danger, .escaped: return Int16(COLOR_RED)
        case .code: return Int16(COLOR_MAGENTA)
        }
    }

    /// Learns the codes ncurses gave to modified arrows (Ctrl/Shift/Alt) from their terminfo names.
    private func mapExtendedKeys() {
        let names: [String: Key] = [
            "kLFT5": .wordLeft, "kRIT5": .wordRight, "kLFT3": .wordLeft, "kRIT3": .wordRight,
            "kLFT6": .shiftWordLeft, "kRIT6": .shiftWordRight, "kUP": .shiftUp, "kDN": .shiftDown,
            "kUP5": .pageUp, "kDN5": .pageDown,
        ]
        for code in Int32(KEY_MAX + 1)..<Int32(KEY_MAX + 400) {
            guard let raw = keyname(code) else { continue }
            if let key = names[String(cString: raw)] { extendedKeys[code] = key }
        }
    }

    // MARK: Painting

    /// Paints the grid, touching only cells that changed since the last paint.
    public func paint(_ grid: CellGrid) {
        let full = painted == nil || painted?.width != grid.width || painted?.height != grid.height
        if full { werase(tally_stdscr()) }
        var buffer = [wchar_t](repeating: 0, count: 16)
        for row in 0..<grid.height {
            for column in 0..<grid.width {
                let cell = grid[row, column]
                if cell.isContinuation { continue }
                if !full, let old = painted, old[row, column] == cell {
                    // A wide neighbour that changed may have overwritten this cell's half: repaint then.
                    if column + 1 >= grid.width || old[row, column + 1] == grid[row, column + 1] { continue }
                }
                if row == grid.height - 1 && column + Int(cell.width) >= grid.width {
                    // Writing the bottom-right cell scrolls some terminals: ncurses handles it via insertion.
                }
                var count = 0
                for scalar in cell.text.unicodeScalars where count < 15 {
                    buffer[count] = wchar_t(bitPattern: scalar.value)
                    count += 1
                }
                buffer[count] = 0
                let (attributes, pair) = attributes(for: cell.style)
                _ = buffer.withUnsafeBufferPointer { pointer in
                    tally_put_cell(Int32(row), Int32(column), pointer.baseAddress, attributes, pair)
                }
            }
        }
        if let cursor = grid.cursor {
            curs_set(1)
            wmove(tally_stdscr(), Int32(cursor.row), Int32(cursor.column))
        } else {
            curs_set(0)
        }
        wrefresh(tally_stdscr())
        painted = grid
    }

    /// The text ncurses holds for a cell after painting (to check that grid and curses agree).
    public func cellText(row: Int, column: Int) -> String {
        var buffer = [wchar_t](repeating: 0, count: 8)
        let result = buffer.withUnsafeMutableBufferPointer {
            tally_read_cell(Int32(row), Int32(column), $0.baseAddress, 8)
        }
        guard result != ERR else { return "" }
        var scalars = String.UnicodeScalarView()
        for value in buffer where value != 0 {
            if let scalar = Unicode.Scalar(UInt32(bitPattern: value)) { scalars.append(scalar) }
        }
        return String(scalars)
    }

    private func attributes(for style: Style) -> (attr_t, Int16) {
        var attributes = tally_a_normal()
        if style.bold { attributes |= tally_a_bold() }
        if style.underline { attributes |= tally_a_underline() }
        if style.reverse { attributes |= tally_a_reverse() }
        if style.dim && !usesColor { attributes |= tally_a_dim() }
        if style.dim && usesColor && style.role == .muted { attributes |= tally_a_dim() }
        let pair: Int16 = usesColor ? Int16(style.role.rawValue) + 1 : 0
        return (attributes, pair)
    }

    // MARK: Keys

    /// Waits up to 100 ms for a key; nil when none came (the caller ticks).
    public func readKey() -> Key? {
        guard let code = nextCode(wait: true) else { return nil }
        return decode(code)
    }

    /// Raw codes: characters as their scalar value, function keys offset by 0x110000.
    private func nextCode(wait: Bool) -> Int32? {
        if !pending.isEmpty { return pending.removeFirst() }
        if !wait { wtimeout(tally_stdscr(), 30) }
        defer { if !wait { wtimeout(tally_stdscr(), 100) } }
        var character: wint_t = 0
        let result = wget_wch(tally_stdscr(), &character)
        if result == ERR { return nil }
        if result == KEY_CODE_YES { return Int32(character) + 0x110000 }
        return Int32(bitPattern: character)
    }

    private func decode(_ code: Int32) -> Key? {
        if code >= 0x110000 { return decodeFunctionKey(code - 0x110000) }
        switch code {
        case 27: return decodeEscape()
        case 13, 10: return .enter
        case 9: return .tab
        case 127, 8: return .backspace
        case 0: return .control(" ")
        case 1...26: return .control(Character(UnicodeScalar(UInt8(code + 96))))
        case 28...31: return nil
        default:
            guard let scalar = UnicodeScalar(UInt32(code)) else { return nil }
            return .character(Character(scalar))
        }
    }

    private func decodeFunctionKey(_ code: Int32) -> Key? {
        switch code {
        case KEY_UP: return .up
        case KEY_DOWN: return .down
        case KEY_LEFT: return .left
        case KEY_RIGHT: return .right
        case KEY_HOME: return .home
        case KEY_END: return .end
        case KEY_PPAGE: return .pageUp
        case KEY_NPAGE: return .pageDown
        case KEY_BACKSPACE: return .backspace
        case KEY_DC: return .delete
        case KEY_ENTER: return .enter
        case KEY_BTAB: return .backTab
        case KEY_SLEFT: return .shiftLeft
        case KEY_SRIGHT: return .shiftRight
        case KEY_SR: return .shiftUp
        case KEY_SF: return .shiftDown
        case KEY_SHOME: return .shiftHome
        case KEY_SEND: return .shiftEnd
        case tally_key_resize():
            width = Int(tally_getmaxx(tally_stdscr()))
            height = Int(tally_getmaxy(tally_stdscr()))
            painted = nil
            return .resize
        case KEY_F0 + 1...KEY_F0 + 12: return .function(Int(code - KEY_F0))
        default: return extendedKeys[code]
        }
    }

    /// ESC alone, Alt+key, or the start of a bracketed paste (ESC [ 200 ~ … ESC [ 201 ~).
    private func decodeEscape() -> Key? {
        guard let next = nextCode(wait: false) else { return .escape }
        if next == 91 {  // "["
            var sequence: [Int32] = []
            while sequence.count < 5, let code = nextCode(wait: false) {
                sequence.append(code)
                if code == 126 || (code >= 64 && code <= 126 && code != 91) { break }
            }
            if sequence == [50, 48, 48, 126] { return readPaste() }
            return nil  // an unknown sequence: swallow it rather than type it
        }
        if next >= 0x110000 { return decodeFunctionKey(next - 0x110000) }
        if next == 127 { return .alt("\u{7F}") }
        guard next >= 32, let scalar = UnicodeScalar(UInt32(next)) else { return .escape }
        return .alt(Character(scalar))
    }

    private func readPaste() -> Key {
        var scalars = String.UnicodeScalarView()
        let end: [Int32] = [27, 91, 50, 48, 49, 126]
        var tail: [Int32] = []
        var idle = 0
        while idle < 20 {
            guard let code = nextCode(wait: false) else {
                idle += 1
                continue
            }
            idle = 0
            if code >= 0x110000 { continue }
            tail.append(code)
            if tail.count > end.count { tail.removeFirst() }
            if tail == end {
                scalars.removeLast(min(scalars.count, end.count - 1))
                break
            }
            if let scalar = UnicodeScalar(UInt32(code == 13 ? 10 : code)) { scalars.append(scalar) }
        }
        return .paste(String(scalars))
    }
}
