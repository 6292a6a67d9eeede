import Testing
@testable import TallyTUI

@Test func moduleIsLinked() {
    #expect(TallyTUIModule.name == "TallyTUI")
}
