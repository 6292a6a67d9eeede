import Testing
@testable import TallyTrain

@Test func moduleIsLinked() {
    #expect(TallyTrainModule.name == "TallyTrain")
}
