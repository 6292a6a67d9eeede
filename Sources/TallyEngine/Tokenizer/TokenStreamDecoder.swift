/// Turns token ids into text as a model generates them. A token can end inside a multi-byte character
/// (an emoji is often split over several tokens), so the bytes of an unfinished character are held back until
/// the tokens that complete it arrive.
///
/// ```swift
/// var stream = TokenStreamDecoder(tokenizer: tokenizer)
/// for id in generatedIDs { print(stream.append(id), terminator: "") }
/// print(stream.finish())
/// ```
public struct TokenStreamDecoder: Sendable {
    /// The tokenizer whose tokens are decoded.
    public let tokenizer: BPETokenizer
    /// Leave special tokens out of the text.
    public var skipSpecialTokens: Bool
    private var pending: [UInt8] = []

    /// Makes a decoder.
    public init(tokenizer: BPETokenizer, skipSpecialTokens: Bool = false) {
        self.tokenizer = tokenizer
        self.skipSpecialTokens = skipSpecialTokens
    }

    /// Adds one token and returns the text it completes (often the token's own text, sometimes nothing).
    public mutating func append(_ id: Int) -> String {
        if skipSpecialTokens && tokenizer.isSpecial(id) { return "" }
        pending += tokenizer.bytes(of: id)
        let complete = pending.count - Self.unfinishedTailLength(pending)
        let text = String(decoding: pending[..<complete], as: UTF8.self)
        pending.removeFirst(complete)
        return text
    }

    /// The text of any bytes still held back (an unfinished character becomes U+FFFD), emptying the decoder.
    public mutating func finish() -> String {
        defer { pending.removeAll() }
        return String(decoding: pending, as: UTF8.self)
    }

    /// How many bytes at the end start a UTF-8 character that is not complete yet.
    static func unfinishedTailLength(_ bytes: [UInt8]) -> Int {
        var back = 1
        while back <= min(3, bytes.count) {
            let byte = bytes[bytes.count - back]
            if byte & 0xC0 != 0x80 {  // a lead byte (or ASCII)
                let needed: Int
                switch byte {
                case 0xC0...0xDF: needed = 2
                case 0xE0...0xEF: needed = 3
                case 0xF0...0xF7: needed = 4
                default: needed = 1
                }
                return needed > back ? back : 0
            }
            back += 1
        }
        return 0
    }
}
