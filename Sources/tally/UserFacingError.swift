import TallyArena
import TallyEngine
import TallyIO
import TallyStore
import TallyTrain

/// The project's own errors, whose `description` is a complete message for the person at the terminal:
/// which file, line or thing, what is wrong, what to do. ``reportingErrors(_:)`` prints them as one line.
protocol UserFacingError: Error, CustomStringConvertible {}

extension StoreError: UserFacingError {}
extension WorkspaceError: UserFacingError {}
extension LabelerAccessError: UserFacingError {}
extension LineError: UserFacingError {}
extension TrainingError: UserFacingError {}
extension CheckpointError: UserFacingError {}
extension EngineError: UserFacingError {}
extension ModelConfigError: UserFacingError {}
extension SamplerError: UserFacingError {}
extension CommandError: UserFacingError {}
extension TooLongExamples: UserFacingError {}
extension ArenaError: UserFacingError {}
extension ArenaBattleError: UserFacingError {}
