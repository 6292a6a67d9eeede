/// What a piece of text means on screen; the terminal backend maps roles to colours (or, under
/// `NO_COLOR` and on monochrome terminals, to attributes only).
public enum ColorRole: UInt8, Sendable, CaseIterable {
    case normal, accent, heading, muted, selection, success, warning, danger, code, escaped, hint, tier
}

/// How a cell is drawn: a colour role plus attributes that work without colour.
public struct Style: Equatable, Hashable, Sendable {
    public var role: ColorRole
    public var bold: Bool
    public var underline: Bool
    public var reverse: Bool
    public var dim: Bool

    public init(
        _ role: ColorRole = .normal, bold: Bool = false, underline: Bool = false,
        reverse: Bool = false, dim: Bool = false
    ) {
        self.role = role
        self.bold = bold
        self.underline = underline
        self.reverse = reverse
        self.dim = dim
    }

    public static let normal = Style()
    public static let bold = Style(bold: true)
    public static let heading = Style(.heading, bold: true)
    public static let accent = Style(.accent, bold: true)
    public static let muted = Style(.muted, dim: true)
    /// The highlighted row or the editor's selection: reverse video reads on every terminal.
    public static let selected = Style(.selection, reverse: true)
    public static let warning = Style(.warning, bold: true)
    public static let danger = Style(.danger, bold: true)
    public static let success = Style(.success, bold: true)
    public static let code = Style(.code)
    public static let hintKey = Style(.hint, bold: true, reverse: true)
    public static let hintText = Style(.hint)
    public static let tier = Style(.tier, bold: true)

    public func with(bold: Bool) -> Style {
        var copy = self
        copy.bold = bold
        return copy
    }
}
