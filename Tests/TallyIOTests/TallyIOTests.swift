import XCTest

@testable import TallyIO

final class TallyIOModuleTests: XCTestCase {
    func testModuleIsLinked() {
        XCTAssertNotNil(TallyIO.self as Any.Type?)
    }
}
