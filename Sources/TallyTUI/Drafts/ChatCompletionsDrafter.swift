import Foundation

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// A drafter backed by any OpenAI-compatible chat-completions endpoint (vLLM, llama.cpp server, OpenAI…).
///
/// Sends `POST {baseURL}/chat/completions` with the instructions as the system message and the conversation
/// turns after it, and reads `choices[0].message.content`.
///
/// ```swift
/// if let configuration = ChatCompletionsDrafter.Configuration(environment: ProcessInfo.processInfo.environment) {
///     let drafter = ChatCompletionsDrafter(configuration: configuration)
/// }
/// ```
public struct ChatCompletionsDrafter: Drafter {
    public struct Configuration: Equatable, Sendable {
        /// e.g. `http://localhost:8000/v1`
        public var baseURL: URL
        public var model: String
        public var apiKey: String?
        /// Seconds before a request is given up (the labeler then sees "no draft"); at least 1 (Foundation on
        /// Linux counts whole seconds: a shorter timeout would fire at once).
        public var timeout: TimeInterval
        public var temperature: Double
        public var maxTokens: Int

        public init(
            baseURL: URL, model: String, apiKey: String? = nil, timeout: TimeInterval = 30,
            temperature: Double = 0.7, maxTokens: Int = 512
        ) {
            self.baseURL = baseURL
            self.model = model
            self.apiKey = apiKey
            self.timeout = max(1, timeout)
            self.temperature = temperature
            self.maxTokens = maxTokens
        }

        /// Reads `TALLY_DRAFT_BASE_URL`, `TALLY_DRAFT_MODEL`, `TALLY_DRAFT_API_KEY` and optionally
        /// `TALLY_DRAFT_TIMEOUT` (seconds); nil when no base URL is set.
        public init?(environment: [String: String]) {
            guard let base = environment["TALLY_DRAFT_BASE_URL"], !base.isEmpty, let url = URL(string: base)
            else { return nil }
            let timeout = environment["TALLY_DRAFT_TIMEOUT"].flatMap(TimeInterval.init) ?? 30
            self.init(
                baseURL: url, model: environment["TALLY_DRAFT_MODEL"] ?? "default",
                apiKey: environment["TALLY_DRAFT_API_KEY"], timeout: timeout)
        }
    }

    /// Why a request produced no draft, worded for the notice line.
    public enum Failure: Error, Equatable, CustomStringConvertible {
        case transport(String)
        case status(Int, String)
        case malformed(String)

        public var description: String {
            switch self {
            case .transport(let message): return "draft endpoint unreachable: \(message)"
            case .status(let code, let body): return "draft endpoint answered HTTP \(code): \(body)"
            case .malformed(let message): return "draft endpoint sent an unreadable answer: \(message)"
            }
        }
    }

    public let configuration: Configuration
    private let session: URLSession

    public init(configuration: Configuration) {
        self.configuration = configuration
        let sessionConfiguration = URLSessionConfiguration.ephemeral
        sessionConfiguration.timeoutIntervalForRequest = configuration.timeout
        sessionConfiguration.timeoutIntervalForResource = configuration.timeout * 2
        session = URLSession(configuration: sessionConfiguration)
    }

    public var author: DraftAuthor { .endpoint(model: configuration.model) }

    public var endpoint: URL {
        var base = configuration.baseURL.absoluteString
        while base.hasSuffix("/") { base.removeLast() }
        return URL(string: base + "/chat/completions") ?? configuration.baseURL
    }

    public func draft(conversation: [ChatTurn], instructions: String, variant: Int) async throws -> String {
        var messages = [["role": "system", "content": DrafterPrompts.draftSystemPrompt(instructions: instructions)]]
        messages += conversation.map { ["role": $0.role.rawValue, "content": $0.text] }
        return try await complete(messages: messages, seed: variant)
    }

    public func critique(response: String, conversation: [ChatTurn], instructions: String) async throws -> String {
        let messages = [
            ["role": "system", "content": DrafterPrompts.critiqueSystemPrompt(instructions: instructions)],
            [
                "role": "user",
                "content": DrafterPrompts.critiqueUserMessage(
                    response: response,
                    conversation: conversation),
            ],
        ]
        return try await complete(messages: messages, seed: 0)
    }

    /// One chat-completions round trip.
    func complete(messages: [[String: String]], seed: Int) async throws -> String {
        var request = URLRequest(url: endpoint, timeoutInterval: configuration.timeout)
        request.httpMethod = "POST"
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        if let key = configuration.apiKey, !key.isEmpty {
            request.setValue("Bearer \(key)", forHTTPHeaderField: "Authorization")
        }
        let body: [String: Any] = [
            "model": configuration.model,
            "messages": messages,
            "temperature": configuration.temperature,
            "max_tokens": configuration.maxTokens,
            "seed": seed,
            "stream": false,
        ]
        request.httpBody = try JSONSerialization.data(withJSONObject: body)

        let data: Data
        let response: URLResponse
        do {
            (data, response) = try await session.data(for: request)
        } catch {
            throw Failure.transport(error.localizedDescription)
        }
        if let http = response as? HTTPURLResponse, !(200..<300).contains(http.statusCode) {
            let snippet = String(decoding: data.prefix(200), as: UTF8.self)
            throw Failure.status(http.statusCode, snippet)
        }
        guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw Failure.malformed("not a JSON object")
        }
        guard let choices = object["choices"] as? [[String: Any]], let first = choices.first,
            let message = first["message"] as? [String: Any], let content = message["content"] as? String
        else {
            throw Failure.malformed("no choices[0].message.content")
        }
        return content
    }
}
