import ArgumentParser
import Foundation
import TallyStore
import TallyTUI

/// `tally label`: the full-screen labeling program.
struct Label: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "label",
        abstract:
            "Write demonstrations, rank and compare responses, and vote in the arena, in a full-screen terminal UI.",
        discussion: """
            Keys: ? shows the keys of the current screen, q or Esc backs out, u undoes your last submitted \
            label. Half-written demonstrations are saved as you type and come back next time. The Arena \
            screen (a on Home) takes the battles `tally arena battle --judge human` queued: a, b, t or x votes \
            blind, then the two models are named.

            Drafts and critiques: by default the workspace's newest policy checkpoint (base, sft, dpo, ppo…; \
            never a reward model), or --draft-checkpoint, writes \
            them ahead of you on the embedded engine. Set TALLY_DRAFT_BASE_URL (e.g. http://localhost:8000/v1), \
            TALLY_DRAFT_MODEL and TALLY_DRAFT_API_KEY to have an OpenAI-compatible chat-completions server write \
            them instead. Colours follow NO_COLOR.
            """)

    @Option(
        name: .customLong("as"),
        help: ArgumentHelp(
            "Label as another labeler (admins only; default: you, by your OS account). Roles are set with "
                + "`tally labeler`.", valueName: "name"))
    var name: String?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "The workspace checkpoint that writes drafts and critiques on the embedded engine when no endpoint "
                + "is set (default: the newest policy checkpoint, never a reward model).", valueName: "name"))
    var draftCheckpoint: String?

    @Flag(name: .long, help: "Offer no model drafts or critiques.")
    var noDrafts = false

    @Option(name: .long, help: "How many model drafts to offer beside each demonstration (when a drafter is set).")
    var drafts: Int = 2

    @Option(name: .long, help: "Seconds of quiet after typing before a half-written demonstration is saved.")
    var autosaveDelay: Double = 1

    @OptionGroup var workspace: WorkspaceOption

    func run() throws {
        let environment = ProcessInfo.processInfo.environment
        guard (0...9).contains(drafts) else { throw ValidationError("--drafts must be between 0 and 9") }
        guard autosaveDelay >= 0 else { throw ValidationError("--autosave-delay cannot be negative") }
        let (found, database) = try reportingErrors {
            let (found, database) = try workspace.open()
            try database.checkMayWorkAs(name)
            return (found, database)
        }
        guard isatty(STDIN_FILENO) != 0, isatty(STDOUT_FILENO) != 0 else {
            TerminalText.printError("error: tally label needs a terminal (standard input and output are not one)")
            throw ExitCode.failure
        }
        let (service, drafter) = try reportingErrors { () -> (StoreLabelingService, (any Drafter)?) in
            let service = try StoreLabelingService(workspace: found, database: database, labelerName: name)
            return (service, try chooseDrafter(environment: environment, workspace: found, database: database))
        }
        let board = DraftBoard(drafter: drafter, draftsPerPrompt: drafts)
        let app = try reportingErrors { try LabelingApp(service: service, drafts: board) }
        app.context.autosaveDelay = autosaveDelay
        let terminal: NcursesTerminal
        do {
            terminal = try NcursesTerminal(environment: environment)
        } catch {
            TerminalText.printError("error: \(error)")
            throw ExitCode.failure
        }
        TerminalRunner.run(app, terminal: terminal)
    }

    /// The endpoint when TALLY_DRAFT_BASE_URL is set; else the `--draft-checkpoint` (by default the workspace's
    /// newest policy checkpoint) on the embedded engine; none with `--no-drafts` or when the workspace has no model.
    private func chooseDrafter(
        environment: [String: String], workspace found: Workspace, database: TallyDatabase
    ) throws -> (any Drafter)? {
        if noDrafts { return nil }
        if let configuration = ChatCompletionsDrafter.Configuration(environment: environment) {
            return ChatCompletionsDrafter(configuration: configuration)
        }
        let records = try database.checkpoints()
        let reference = draftCheckpoint ?? Self.newestPolicy(records)?.name
        guard let reference else { return nil }
        let resolved = try CheckpointResolver.resolve(reference, workspace: found, database: database)
        if let kind = resolved.record?.kind, !kind.isPolicy {
            throw ValidationError(
                "--draft-checkpoint \(reference) is a \(kind.rawValue) checkpoint, which scores responses but does not "
                    + "write them; choose a policy (base, sft, dpo, ppo, …)")
        }
        guard let id = resolved.record?.id else {
            throw ValidationError(
                "--draft-checkpoint \(reference) is not registered in the workspace; "
                    + "register it with `tally checkpoint import`")
        }
        return try EngineDrafter(checkpoint: resolved, checkpointID: id)
    }

    /// The newest checkpoint that writes responses (base, sft, dpo, ppo, …): never a reward or value model.
    static func newestPolicy(_ records: [CheckpointRecord]) -> CheckpointRecord? {
        records.filter { $0.kind.isPolicy }.max { $0.id < $1.id }
    }
}
