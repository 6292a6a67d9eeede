import Foundation
import Testing

@testable import TallyWorld

/// The labeling guidelines shipped in instructions/, found from this file's location in the repository.
private func guidelinesText() throws -> String {
    let repository = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    return try String(contentsOf: repository.appendingPathComponent("instructions/guidelines.md"), encoding: .utf8)
}

@Test func guidelinesStateTheOraclesRubricPartsAndWeightsExactly() throws {
    var stated: [String: Double] = [:]
    for line in try guidelinesText().split(separator: "\n") where line.hasPrefix("| `") {
        let cells = line.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
        guard cells.count >= 2, let weight = Double(cells[1]) else { continue }
        stated[cells[0].trimmingCharacters(in: CharacterSet(charactersIn: "`"))] = weight
    }
    let oracle = Dictionary(uniqueKeysWithValues: RubricPart.allCases.map { ($0.rawValue, $0.weight) })
    #expect(stated == oracle)
}

@Test func guidelinesDefineEveryFlag() throws {
    let text = try guidelinesText().lowercased()
    for flag in ["harmful", "jailbreak", "pii", "spam", "factual error", "note", "none acceptable", "ties"] {
        #expect(text.contains("**\(flag)**"), "the guidelines do not define \(flag)")
    }
}
