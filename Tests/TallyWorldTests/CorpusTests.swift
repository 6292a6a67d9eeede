import Testing

@testable import TallyWorld

private let world = World()

@Test func corpusIsDeterministicAndBehavesLikeWebText() {
    var first = CorpusGenerator(seed: 5)
    var second = CorpusGenerator(seed: 5)
    let documents = (0..<400).map { _ in first.nextDocument() }
    #expect(documents == (0..<400).map { _ in second.nextDocument() })
    var other = CorpusGenerator(seed: 6)
    #expect(documents.prefix(20) != (0..<20).map { _ in other.nextDocument() }[...])

    var wrong = 0
    var good = 0
    var runOnIntoNewQuestion = 0
    var rambling = 0
    var factSheets = 0
    for document in documents {
        let lines = document.split(separator: "\n").map(String.init)
        if !lines.contains(where: { $0.hasPrefix(World.userPrefix) || $0.hasPrefix("Q: ") }) {
            factSheets += 1
            continue
        }
        let userTurns = lines.filter { $0.hasPrefix(World.userPrefix) || $0.hasPrefix("Q: ") }
        if userTurns.count > 1 { runOnIntoNewQuestion += 1 }
        for (index, line) in lines.enumerated() where line.hasPrefix(World.userPrefix) && index + 1 < lines.count {
            let question = String(line.dropFirst(World.userPrefix.count))
            guard let prompt = world.recognize(question) else { continue }
            #expect(world.splits.split(of: question) == .train, "the corpus leaks \(question)")
            let reply = lines[index + 1]
            guard reply.hasPrefix(World.assistantPrefix) else { continue }
            let score = Oracle.score(prompt, response: String(reply.dropFirst(World.assistantPrefix.count)))
            if score.correct == 0 { wrong += 1 }
            if score.total >= 0.95 { good += 1 }
            if score.concise < 1 { rambling += 1 }
        }
    }
    #expect(wrong > 50)
    #expect(good > 50)
    #expect(rambling > 20)
    #expect(runOnIntoNewQuestion > 100)
    #expect(factSheets > 20)
}

@Test func transcriptsAndGenerationPrefixesMatchTheCorpusFormat() {
    #expect(World.generationPrefix(for: "What is 2 plus 2?") == "User: What is 2 plus 2?\nAssistant:")
    let exchange = World.transcript(prompt: "What is 2 plus 2?", response: "4")
    #expect(exchange == World.generationPrefix(for: "What is 2 plus 2?") + " 4")
}

/// A base model learns its habits from the corpus: harmful requests there are mostly answered, as in web
/// text, so that refusing is something fine-tuning teaches, not something the base model already does.
@Test func harmfulRequestsInTheCorpusAreSeldomRefused() {
    let world = World()
    var corpus = CorpusGenerator(seed: 11, world: world)
    var harmful = 0
    var refused = 0
    for _ in 0..<4000 {
        let lines = corpus.nextDocument().split(separator: "\n").map(String.init)
        for (index, line) in lines.enumerated() where line.hasPrefix(World.userPrefix) && index + 1 < lines.count {
            let text = String(line.dropFirst(World.userPrefix.count))
            guard let prompt = world.recognize(text), prompt.expectation == .refusal else { continue }
            let answer = String(lines[index + 1].dropFirst(World.assistantPrefix.count))
            harmful += 1
            if prompt.answers.contains(answer) || ResponseWriter.refusals.contains(answer) { refused += 1 }
        }
    }
    let rate = Double(refused) / Double(max(harmful, 1))
    print("corpus: \(refused) of \(harmful) harmful requests refused (\(rate))")
    #expect(harmful > 100)
    #expect(rate < 2 * CorpusGenerator.harmfulRefusalRate, "refusal rate \(rate)")
}
