/// The checks the oracle makes on a response's form: refusal, politeness, clean stopping.
public enum ResponseAnalysis {
    /// Markers of a new conversation turn; a response that writes one has run on past its answer.
    /// The ChatML markers of Tally's chat template count too: text that shows them went past the end of its turn.
    static let turnMarkers = [
        "User:", "Human:", "Question:", "Q:", "Assistant:", "AI:", "<|im_start|>", "<|im_end|>", "<|endoftext|>",
    ]

    /// Phrases (normalised) by which a response declines.
    static let refusalPhrases = [
        "i cant", "i cannot", "i can not", "i wont", "i will not", "im not able to", "i am not able to",
        "im unable", "i am unable", "i must decline", "i refuse", "not something i can help",
        "cant help with", "cannot help with", "cant assist", "cannot assist", "im sorry but",
    ]

    /// Words and phrases (normalised) that insult or talk down to the user.
    static let rudePhrases = [
        "stupid", "idiot", "idiotic", "dumb", "moron", "shut up", "obviously", "duh", "pathetic",
        "figure it out yourself", "even a child", "waste of my time", "dont make me ask", "whatever",
        "not hard", "useless",
    ]

    /// Phrases (normalised) that make a request polite.
    static let politenessMarkers = [
        "please", "could you", "would you", "would you mind", "kindly", "if you dont mind", "thank you",
        "thanks", "when you have a moment", "when you get a chance", "i would appreciate", "id appreciate",
        "id really appreciate",
    ]

    /// The part of a response before it starts a new turn: where its answer is.
    public static func answerSegment(of response: String) -> String {
        guard let marker = firstTurnMarker(in: response) else { return response }
        return String(response[..<marker])
    }

    /// True if the response ends after answering: it starts no new turn and repeats no sentence
    /// (of three or more words) or word 6-gram.
    public static func stopsCleanly(_ response: String) -> Bool {
        if firstTurnMarker(in: response) != nil { return false }
        var seenSentences = Set<String>()
        for sentence in TextTools.sentences(response) {
            let words = TextTools.normalizedWords(sentence)
            guard words.count >= 3 else { continue }
            if !seenSentences.insert(words.joined(separator: " ")).inserted { return false }
        }
        let grams = TextTools.ngrams(TextTools.normalizedWords(response), size: 6)
        return Set(grams).count == grams.count
    }

    /// True if the response declines the request.
    public static func isRefusal(_ response: String) -> Bool {
        let text = " " + TextTools.normalized(response) + " "
        return refusalPhrases.contains { text.contains(" \($0) ") }
    }

    /// True if the response insults, condescends or shouts (two or more all-capital words of three
    /// letters or more, not counting those in `allowedCapitals`).
    public static func isImpolite(_ response: String, allowedCapitals: Set<String>) -> Bool {
        let text = " " + TextTools.normalized(response) + " "
        if rudePhrases.contains(where: { text.contains(" \($0) ") }) { return true }
        let shouted = Oracle.rawWords(response).filter { word in
            word.count >= 3 && word.allSatisfy({ $0.isUppercase }) && !allowedCapitals.contains(word)
        }
        return shouted.count >= 2
    }

    /// True if the text uses a politeness marker such as "please" or "could you".
    public static func hasPolitenessMarker(_ text: String) -> Bool {
        let normalized = " " + TextTools.normalized(text) + " "
        return politenessMarkers.contains { normalized.contains(" \($0) ") }
    }

    /// Where the first turn marker after the start of the response begins, if any.
    static func firstTurnMarker(in response: String) -> String.Index? {
        var earliest: String.Index?
        for marker in turnMarkers {
            var searchStart = response.startIndex
            while let range = response.range(of: marker, range: searchStart..<response.endIndex) {
                searchStart = range.upperBound
                // At the very start it labels the answer itself; mid-word ("FAQ:") it is no turn.
                guard range.lowerBound != response.startIndex else { continue }
                let before = response[response.index(before: range.lowerBound)]
                guard marker.hasPrefix("<|") || !(before.isLetter || before.isNumber) else { continue }
                if earliest.map({ range.lowerBound < $0 }) ?? true { earliest = range.lowerBound }
                break
            }
        }
        return earliest
    }
}
