import Testing

@testable import TallyWorld

private let world = World()

@Test func thereAreAtLeastEightFamiliesWithDistinctNames() {
    #expect(world.families.count >= 8)
    #expect(Set(world.families.map(\.name)).count == world.families.count)
}

@Test(arguments: World().families.map(\.name))
func familyGeneratesValidPromptsThatItsOracleJudges(familyName: String) throws {
    let family = try #require(world.family(named: familyName))
    var rng = SplitMix64(seed: 11, purpose: familyName)
    var texts = Set<String>()
    for _ in 0..<150 {
        let prompt = family.generate(using: &rng)
        texts.insert(prompt.text)
        #expect(!prompt.text.isEmpty)
        #expect(prompt.family == familyName)
        #expect(!prompt.answers.isEmpty)
        #expect(!prompt.distractors.isEmpty, "\(prompt.text) has no wrong answers to test against")

        // The prompt reads back as itself, from the family and from the whole world.
        #expect(family.recognize(prompt.text) == prompt, "\(prompt.text) does not read back")
        #expect(world.recognize(prompt.text) == prompt, "\(prompt.text) is claimed by another family")

        for answer in prompt.answers {
            let score = Oracle.score(prompt, response: answer)
            #expect(score.correct == 1, "\(prompt.text) -> \(answer) judged wrong")
            #expect(score.total >= 0.95, "\(prompt.text) -> \(answer) scored \(score)")
        }
        for wrong in prompt.distractors {
            let score = Oracle.score(prompt, response: wrong)
            #expect(score.correct == 0, "\(prompt.text) -> \(wrong) judged right")
            #expect(score.total < 0.7, "\(prompt.text) -> \(wrong) scored \(score)")
        }
    }
    #expect(texts.count >= 25, "\(familyName) made only \(texts.count) distinct prompts")
}

@Test func recognitionForgivesCaseAndAMissingQuestionMark() throws {
    let prompt = try #require(world.recognize("what is the capital of france"))
    #expect(prompt.family == "facts")
    #expect(Oracle.score(prompt, response: "Paris.").correct == 1)
    #expect(world.recognize("Tell me a story about dragons.") == nil)
    #expect(world.recognize("What is 3 plus banana?") == nil)
}

@Test func oracleScoresPromptsGivenAsText() throws {
    let score = try #require(Oracle.score(prompt: "What is 37 plus 45?", response: "82"))
    #expect(score.total == 1)
    let wrong = try #require(Oracle.score(prompt: "What is 37 plus 45?", response: "83"))
    #expect(wrong.correct == 0)
}
