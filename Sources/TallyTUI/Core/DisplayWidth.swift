import CNcursesw

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Terminal column widths of Unicode scalars, as glibc's `wcwidth` reports them.
///
/// ncurses measures text with `wcwidth`, so measuring the same way keeps the in-memory grid and the
/// painted screen in agreement. `wcwidth` only knows non-ASCII characters under a UTF-8 locale, so the
/// first use makes sure one is active (the user's own when it is UTF-8, `C.UTF-8` otherwise).
///
/// ```swift
/// DisplayWidth.of("中")   // 2
/// DisplayWidth.of("é")    // 1
/// ```
public enum DisplayWidth {
    /// Widths of the Basic Multilingual Plane, looked up once: 255 marks "not printable".
    private static let basicPlane: [UInt8] = {
        prepareLocale()
        var table = [UInt8](repeating: 1, count: 0x10000)
        for value in 0..<0x10000 {
            let width = tally_wcwidth(Int32(truncatingIfNeeded: value))
            table[value] = width < 0 ? 255 : UInt8(width)
        }
        return table
    }()

    private static let localeIsReady: Bool = {
        prepareLocale()
        return true
    }()

    /// Makes the process locale a UTF-8 one so `wcwidth` and ncurses understand wide characters.
    ///
    /// Keeps the user's locale (`LANG`, `LC_ALL`) when it already uses UTF-8; falls back to `C.UTF-8`.
    public static func prepareLocale() {
        setlocale(LC_ALL, "")
        if !currentCodesetIsUTF8() {
            if setlocale(LC_CTYPE, "C.UTF-8") == nil {
                setlocale(LC_CTYPE, "en_US.UTF-8")
            }
        }
    }

    private static func currentCodesetIsUTF8() -> Bool {
        guard let codeset = nl_langinfo(nl_item(CODESET)) else { return false }
        let name = String(cString: codeset).uppercased()
        return name == "UTF-8" || name == "UTF8"
    }

    /// The columns a scalar takes: 0 for combining marks and other zero-width scalars, 2 for wide
    /// (East Asian wide/fullwidth and most emoji), 1 otherwise; `nil` when it is not printable (controls).
    @inline(__always)
    public static func of(_ scalar: Unicode.Scalar) -> Int? {
        let value = scalar.value
        if value >= 0x20 && value < 0x7F { return 1 }
        if value < 0x10000 {
            let width = basicPlane[Int(value)]
            return width == 255 ? nil : Int(width)
        }
        _ = localeIsReady
        let width = tally_wcwidth(Int32(truncatingIfNeeded: value))
        return width < 0 ? nil : Int(width)
    }

    /// The columns a string takes once laid into grid cells (see `GraphemeCells.split`).
    public static func of(_ text: String) -> Int {
        var total = 0
        for character in text {
            for unit in GraphemeCells.split(character) { total += unit.width }
        }
        return total
    }
}
