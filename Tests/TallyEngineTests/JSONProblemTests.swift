import Foundation
import Testing

@testable import TallyEngine

/// Broken checkpoint JSON is described in plain words: no Foundation sentence, no `DecodingError` dump.
@Test func brokenCheckpointJSONIsDescribedPlainly() throws {
    let notJSON = #expect(throws: CheckpointError.self) { try JSONText.object(Data("{n_embd".utf8), path: "c.json") }
    #expect(notJSON?.problem.hasPrefix("is not valid JSON") == true, "\(String(describing: notJSON))")
    #expect(notJSON?.problem.contains("couldn’t") == false, "\(String(describing: notJSON))")

    let config = #expect(throws: ModelConfigError.self) {
        try ModelConfig.decode(Data("[1, 2]".utf8), source: "config.json")
    }
    let message = config.map { "\($0)" } ?? ""
    #expect(message.contains("config.json"), "\(message)")
    for typeName in ["DecodingError", "Context(", "Swift.", "Expected to decode", "\"\""] {
        #expect(!message.contains(typeName), "\(message)")
    }
    #expect(message.contains("is not a JSON object"), "\(message)")

    let state = #expect(throws: CheckpointError.self) {
        try TrainerState(jsonData: Data(#"{"step": "three"}"#.utf8), path: "trainer_state.json")
    }
    #expect(state?.problem.hasPrefix("is not a valid trainer state: \"") == true, "\(String(describing: state))")
    #expect(state?.problem.contains("DecodingError") == false, "\(String(describing: state))")
}
