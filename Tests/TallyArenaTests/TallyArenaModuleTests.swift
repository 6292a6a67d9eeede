import Testing
@testable import TallyArena

@Test func moduleIsLinked() {
    #expect(TallyArenaModule.name == "TallyArena")
}
