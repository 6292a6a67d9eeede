import Foundation
import TallyStore
import TallyTUI
import TallyTrain
import Testing

@testable import tally

/// The embedded-engine drafter behind `tally label`'s drafts and critiques.
@Suite struct EngineDrafterTests {
    private func drafter(in temp: TemporaryFolder) throws -> EngineDrafter {
        let workspace = try Workspace.create(at: temp.url.appendingPathComponent("ws"))
        let folder = workspace.checkpointsURL.appendingPathComponent("tiny")
        let manifest = try TinyCheckpoint.write(to: folder)
        let database = try workspace.openDatabase()
        defer { database.close() }
        let digest = manifest.files["model.safetensors"]?.sha256 ?? ""
        _ = try database.registerCheckpoint(
            name: "tiny", kind: .base, parentID: nil, path: "checkpoints/tiny", config: "{}", sha256: digest)
        let resolved = try CheckpointResolver.resolve("tiny", workspace: workspace, database: database)
        return try EngineDrafter(
            checkpoint: resolved, checkpointID: try #require(resolved.record?.id), maxNewTokens: 12)
    }

    @Test func writesDraftsAndCritiquesFromTheCheckpoint() async throws {
        let temp = try TemporaryFolder()
        let drafter = try drafter(in: temp)
        guard case .checkpoint = drafter.author else {
            Issue.record("a checkpoint drafter names its checkpoint as author")
            return
        }
        let conversation = [ChatTurn(role: .user, text: "What is 4 plus 7?")]
        let first = try await drafter.draft(conversation: conversation, instructions: "Be correct.", variant: 0)
        let again = try await drafter.draft(conversation: conversation, instructions: "Be correct.", variant: 0)
        let other = try await drafter.draft(conversation: conversation, instructions: "Be correct.", variant: 1)
        #expect(!first.isEmpty)
        #expect(first == again, "a variant's draft is reproducible")
        #expect(first != other, "variants are different samples")
        let critique = try await drafter.critique(
            response: "11", conversation: conversation, instructions: "Be correct.")
        #expect(!critique.isEmpty)
    }

    @Test func aConversationLongerThanTheContextFailsWithAClearError() async throws {
        let temp = try TemporaryFolder()
        let drafter = try drafter(in: temp)
        let long = [ChatTurn(role: .user, text: String(repeating: "lantern ", count: 400))]
        // TinyCheckpoint's context holds 256 tokens.
        await #expect(throws: SamplerError("the conversation is longer than the model's context of 256 tokens")) {
            try await drafter.draft(conversation: long, instructions: "", variant: 0)
        }
    }
}
