import Foundation
import Testing

@testable import TallyTUI

@Suite struct ChatCompletionsDrafterTests {
    let conversation = [
        ChatTurn(role: .user, text: "What is 2+2?"), ChatTurn(role: .assistant, text: "5"),
        ChatTurn(role: .user, text: "Really?"),
    ]

    @Test func draftsOverARealHTTPServerSpeakingChatCompletions() async throws {
        let server = try LoopbackChatServer { request in
            let messages = request.json["messages"] as? [[String: Any]] ?? []
            let last = messages.last?["content"] as? String ?? ""
            return .init(status: 200, body: LoopbackChatServer.completion("You asked: \(last) 中文"))
        }
        defer { server.stop() }
        let drafter = ChatCompletionsDrafter(
            configuration: .init(
                baseURL: server.baseURL, model: "big-model",
                apiKey: "sk-test", timeout: 5))
        let draft = try await drafter.draft(conversation: conversation, instructions: "Be correct.", variant: 1)
        #expect(draft == "You asked: Really? 中文")
        let request = try #require(server.receivedRequests.first)
        #expect(request.method == "POST")
        #expect(request.path == "/v1/chat/completions")
        #expect(request.headers["authorization"] == "Bearer sk-test")
        #expect(request.json["model"] as? String == "big-model")
        let messages = try #require(request.json["messages"] as? [[String: String]])
        #expect(messages.map { $0["role"] ?? "" } == ["system", "user", "assistant", "user"])
        #expect(messages[0]["content"]?.contains("Be correct.") == true)
        #expect(drafter.author == .endpoint(model: "big-model"))
    }

    @Test func critiqueSendsTheResponseUnderReview() async throws {
        let server = try LoopbackChatServer { _ in .init(status: 200, body: LoopbackChatServer.completion("Wrong sum."))
        }
        defer { server.stop() }
        let drafter = ChatCompletionsDrafter(configuration: .init(baseURL: server.baseURL, model: "m", timeout: 5))
        let critique = try await drafter.critique(response: "2+2=5", conversation: conversation, instructions: "Facts.")
        #expect(critique == "Wrong sum.")
        let messages = try #require(server.receivedRequests.first?.json["messages"] as? [[String: String]])
        #expect(messages[1]["content"]?.contains("2+2=5") == true)
        #expect(server.receivedRequests.first?.headers["authorization"] == nil)
    }

    @Test func httpErrorsAndMalformedAnswersBecomeClearFailures() async throws {
        let server = try LoopbackChatServer { request in
            request.json["model"] as? String == "broken"
                ? .init(status: 200, body: "{\"choices\": []}")
                : .init(status: 503, body: "{\"error\": \"overloaded\"}")
        }
        defer { server.stop() }
        let overloaded = ChatCompletionsDrafter(configuration: .init(baseURL: server.baseURL, model: "m", timeout: 5))
        await #expect(throws: ChatCompletionsDrafter.Failure.status(503, "{\"error\": \"overloaded\"}")) {
            try await overloaded.draft(conversation: conversation, instructions: "", variant: 0)
        }
        let broken = ChatCompletionsDrafter(configuration: .init(baseURL: server.baseURL, model: "broken", timeout: 5))
        await #expect(throws: ChatCompletionsDrafter.Failure.malformed("no choices[0].message.content")) {
            try await broken.draft(conversation: conversation, instructions: "", variant: 0)
        }
    }

    @Test func aSlowEndpointTimesOutInsteadOfHanging() async throws {
        let server = try LoopbackChatServer { _ in
            // Far longer than the timeout: an answer at all means the timeout did not work.
            .init(status: 200, body: LoopbackChatServer.completion("late"), delay: 60)
        }
        defer { server.stop() }
        let drafter = ChatCompletionsDrafter(configuration: .init(baseURL: server.baseURL, model: "m", timeout: 1))
        let started = Date()
        do {
            _ = try await drafter.draft(conversation: conversation, instructions: "", variant: 0)
            Issue.record("a slow endpoint should time out")
        } catch let failure as ChatCompletionsDrafter.Failure {
            guard case .transport = failure else {
                Issue.record("expected a transport failure, got \(failure)")
                return
            }
        }
        let elapsed = Date().timeIntervalSince(started)
        // Only a loose upper bound: when other tests keep every cooperative thread busy, the failure
        // is delivered late, but still long before the server would have answered.
        #expect(elapsed >= 0.9 && elapsed < 30, "timed out after \(elapsed) s")
    }

    @Test func draftBoardPrefetchesFromTheEndpointAndDegradesOnFailure() async throws {
        let server = try LoopbackChatServer { request in
            let messages = request.json["messages"] as? [[String: Any]] ?? []
            let prompt = messages.last?["content"] as? String ?? ""
            return prompt == "fail"
                ? .init(status: 500, body: "boom")
                : .init(status: 200, body: LoopbackChatServer.completion("draft for \(prompt)"))
        }
        defer { server.stop() }
        let drafter = ChatCompletionsDrafter(configuration: .init(baseURL: server.baseURL, model: "m", timeout: 5))
        let board = DraftBoard(drafter: drafter, draftsPerPrompt: 2)
        board.requestDrafts(
            for: DemonstrationItem(assignmentID: 1, promptID: 1, conversation: [ChatTurn(role: .user, text: "hi")]),
            instructions: "")
        board.requestDrafts(
            for: DemonstrationItem(assignmentID: 2, promptID: 2, conversation: [ChatTurn(role: .user, text: "fail")]),
            instructions: "")
        #expect(await board.settled(timeout: 10))
        #expect(board.state(of: .draft(promptID: 1, variant: 1)) == .ready("draft for hi"))
        guard case .failed(let message)? = board.state(of: .draft(promptID: 2, variant: 0)) else {
            Issue.record("expected a failure")
            return
        }
        #expect(message.contains("HTTP 500"))
        #expect(board.takeFailures().count == 2)
        #expect(server.receivedRequests.count == 4)
    }

    @Test func configurationFromTheEnvironment() {
        let configuration = ChatCompletionsDrafter.Configuration(environment: [
            "TALLY_DRAFT_BASE_URL": "http://gpu-box:8000/v1/", "TALLY_DRAFT_MODEL": "llama", "TALLY_DRAFT_API_KEY": "k",
        ])
        #expect(configuration?.model == "llama")
        #expect(
            configuration.map { ChatCompletionsDrafter(configuration: $0).endpoint.absoluteString }
                == "http://gpu-box:8000/v1/chat/completions")
        #expect(ChatCompletionsDrafter.Configuration(environment: [:]) == nil)
    }
}
