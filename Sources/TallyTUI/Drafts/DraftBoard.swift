import Foundation

/// Drafts and critiques being written in the background, so the labeler never waits for a model.
///
/// Screens ask for what they need now and for the next few items (prefetch); each request runs once, in a
/// detached task. The UI polls `state(of:)` on its tick and shows a spinner while a job is pending. A
/// failing endpoint leaves a `.failed` state with a message (the screen shows "no draft" and a notice).
public final class DraftBoard: @unchecked Sendable {
    public enum JobKey: Hashable, Sendable {
        case draft(promptID: Int64, variant: Int)
        case critique(responseID: Int64)
    }

    public enum State: Equatable, Sendable {
        case pending
        case ready(String)
        case failed(String)
    }

    /// How many drafts each demonstration gets.
    public let draftsPerPrompt: Int
    private let drafter: (any Drafter)?
    private let lock = NSLock()
    private var states: [JobKey: State] = [:]
    private var changes = 0
    private var unreportedFailures: [String] = []

    public init(drafter: (any Drafter)?, draftsPerPrompt: Int = 2) {
        self.drafter = drafter
        self.draftsPerPrompt = drafter == nil ? 0 : max(0, draftsPerPrompt)
    }

    /// Who writes the drafts (stored with each draft in the workspace), nil when no drafter is configured.
    public var drafterAuthor: DraftAuthor? { drafter?.author }

    /// Grows every time a job finishes: the UI redraws when it changes.
    public var changeCount: Int {
        lock.lock()
        defer { lock.unlock() }
        return changes
    }

    public func state(of key: JobKey) -> State? {
        lock.lock()
        defer { lock.unlock() }
        return states[key]
    }

    /// Failure messages not yet shown to the labeler (each reported once).
    public func takeFailures() -> [String] {
        lock.lock()
        defer { lock.unlock() }
        let failures = unreportedFailures
        unreportedFailures.removeAll()
        return failures
    }

    /// Whether any job is still running (to animate the spinner).
    public var hasPendingJobs: Bool {
        lock.lock()
        defer { lock.unlock() }
        return states.values.contains(.pending)
    }

    /// Starts the drafts for a prompt unless they were already asked for.
    public func requestDrafts(for task: DemonstrationItem, instructions: String) {
        guard let drafter else { return }
        for variant in 0..<draftsPerPrompt {
            let conversation = task.conversation
            start(.draft(promptID: task.promptID, variant: variant)) {
                try await drafter.draft(conversation: conversation, instructions: instructions, variant: variant)
            }
        }
    }

    /// Starts critiques for the responses of a ranking that has none stored.
    public func requestCritiques(for task: RankingItem, instructions: String) {
        guard let drafter else { return }
        for response in task.responses where response.critique == nil {
            let conversation = task.conversation
            let text = response.text
            start(.critique(responseID: response.responseID)) {
                try await drafter.critique(response: text, conversation: conversation, instructions: instructions)
            }
        }
    }

    /// The drafts ready for a prompt, with their stable identifiers.
    public func readyDrafts(for promptID: Int64) -> [(variant: Int, state: State)] {
        (0..<draftsPerPrompt).map { variant in
            (variant, state(of: .draft(promptID: promptID, variant: variant)) ?? .pending)
        }
    }

    private func start(_ key: JobKey, job: @escaping @Sendable () async throws -> String) {
        lock.lock()
        if states[key] != nil {
            lock.unlock()
            return
        }
        states[key] = .pending
        lock.unlock()
        Task.detached { [weak self] in
            let outcome: State
            do {
                outcome = .ready(try await job())
            } catch {
                outcome = .failed(String(describing: error))
            }
            self?.finish(key, outcome)
        }
    }

    private func finish(_ key: JobKey, _ outcome: State) {
        lock.lock()
        states[key] = outcome
        changes += 1
        if case .failed(let message) = outcome { unreportedFailures.append(message) }
        lock.unlock()
    }

    /// Waits until no job is pending or the deadline passes (used by tests and the benchmark).
    public func settled(timeout: TimeInterval) async -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while hasPendingJobs {
            if Date() > deadline { return false }
            try? await Task.sleep(nanoseconds: 10_000_000)
        }
        return true
    }
}
