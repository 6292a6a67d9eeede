/// One grid cell's worth of text: a spacing scalar with any combining marks, and its column width.
public struct CellUnit: Equatable, Sendable {
    /// The scalars painted into the cell (one spacing scalar, then zero-width marks).
    public var text: String
    /// Columns taken: 1 or 2.
    public var width: Int
}

/// Splits user-perceived characters into grid cells so the grid, ncurses and the terminal agree on widths.
///
/// Each cell holds one spacing scalar (measured with `wcwidth`) followed by its combining marks. Sequences
/// that terminals join in ways `wcwidth` cannot predict are taken apart on purpose:
/// - emoji ZWJ sequences become their separate emoji (👨‍👩‍👧 shows as 👨👩👧),
/// - skin-tone modifiers and variation selectors after a base are dropped (👍🏽 shows as 👍, ❤️ as ❤),
/// - more than three combining marks on one base are dropped (no "Zalgo" towers over other rows),
/// - a combining mark with no base is shown on a dotted circle (◌́),
/// - controls that reach this point (they should have been sanitised) are shown as `�`.
public enum GraphemeCells {
    static let maximumMarksPerCell = 3

    /// The cells for one character.
    @inline(__always)
    public static func split(_ character: Character) -> [CellUnit] {
        if character.isASCII, let ascii = character.asciiValue, ascii >= 0x20, ascii < 0x7F {
            return [CellUnit(text: String(character), width: 1)]
        }
        var units: [CellUnit] = []
        var marks = 0
        for scalar in character.unicodeScalars {
            let value = scalar.value
            if isDroppedJoiner(value) { continue }
            if (0x1F3FB...0x1F3FF).contains(value), !units.isEmpty { continue }
            guard let width = DisplayWidth.of(scalar) else {
                units.append(CellUnit(text: "\u{FFFD}", width: 1))
                marks = 0
                continue
            }
            if width == 0 {
                if units.isEmpty {
                    units.append(CellUnit(text: "\u{25CC}", width: 1))
                    marks = 0
                }
                if marks < maximumMarksPerCell {
                    units[units.count - 1].text.unicodeScalars.append(scalar)
                    marks += 1
                }
            } else {
                units.append(CellUnit(text: String(scalar), width: width))
                marks = 0
            }
        }
        return units
    }

    /// Zero-width scalars that only steer how terminals join glyphs; dropping them keeps widths predictable.
    @inline(__always)
    static func isDroppedJoiner(_ value: UInt32) -> Bool {
        switch value {
        case 0x200D, 0xFE0E, 0xFE0F: return true  // zero-width joiner, text/emoji presentation selectors
        case 0xE0020...0xE007F: return true  // tag characters (subdivision flags; also used to hide text)
        default: return false
        }
    }
}
