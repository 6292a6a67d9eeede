import Testing
@testable import TallyStore

@Test func moduleIsLinked() {
    #expect(TallyStoreModule.name == "TallyStore")
}
