import Testing
import TallyStore

@Test func storeModuleIsLinkedIntoCLITests() {
    #expect(TallyStoreModule.name == "TallyStore")
}
