import Testing
@testable import TallyWorld

@Test func moduleIsLinked() {
    #expect(TallyWorldModule.name == "TallyWorld")
}
