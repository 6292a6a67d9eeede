import Testing
@testable import TallyEngine

@Test func moduleIsLinked() {
    #expect(TallyEngineModule.name == "TallyEngine")
}
