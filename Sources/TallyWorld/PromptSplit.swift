/// The three prompt splits. A prompt belongs to exactly one, fixed by its text (not by a seed),
/// so prompts drawn with different seeds still never cross splits.
public enum PromptSplit: String, CaseIterable, Sendable, Codable {
    case train, eval, test
}

/// Decides which split a prompt belongs to, in a way that makes decontamination hold by construction.
///
/// A prompt of fewer than eight words has no word 8-gram; its split is a hash of its normalised text.
/// A longer prompt is cut into windows (its word 8-grams), and each window is assigned a split by
/// hashing the window's smallest-hashing *content* word (a word not in any family's template text;
/// the whole window if it has none). Such a prompt belongs to a split only when all of its windows
/// agree; otherwise no split takes it. Since a window's split is a function of the window alone, an
/// eval or test prompt can never share a word 8-gram with a train prompt, and since a prompt's split
/// is a function of its text, two splits can never share a prompt. Hashing a content word rather
/// than the whole window keeps overlapping windows of one prompt in agreement, so long prompts are
/// not starved.
public struct SplitAssigner: Sendable {
    /// The size of the windows (word n-grams) that must not cross splits.
    public static let ngramSize = 8
    /// The share of the prompt space that goes to train.
    public static let trainShare = 0.8
    /// The share that goes to eval; test takes the rest.
    public static let evalShare = 0.1

    let templateWords: Set<String>

    /// An assigner that ignores the given template vocabulary when picking content words.
    public init(templateWords: Set<String>) {
        self.templateWords = templateWords
    }

    /// The split `text` belongs to, or nil if its windows disagree (no split may use it).
    public func split(of text: String) -> PromptSplit? {
        let words = TextTools.normalizedWords(text)
        guard !words.isEmpty else { return nil }
        guard words.count >= Self.ngramSize else {
            return Self.split(forKey: StableHash.of(words.joined(separator: " ")))
        }
        let windows = (0...(words.count - Self.ngramSize)).map { words[$0..<($0 + Self.ngramSize)] }
        var agreed: PromptSplit?
        for window in windows {
            let split = self.split(ofWindow: window)
            if let agreed, agreed != split { return nil }
            agreed = split
        }
        return agreed
    }

    private func split(ofWindow window: ArraySlice<String>) -> PromptSplit {
        let key =
            window.filter { !templateWords.contains($0) }.map { StableHash.of($0) }.min()
            ?? StableHash.of(window.joined(separator: " "))
        return Self.split(forKey: key)
    }

    private static func split(forKey key: UInt64) -> PromptSplit {
        let position = Double(StableHash.combine(key, 0x5EED_5B17) >> 11) * 0x1.0p-53
        if position < Self.trainShare { return .train }
        if position < Self.trainShare + Self.evalShare { return .eval }
        return .test
    }
}
