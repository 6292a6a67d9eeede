/// The `TallyArena` module (the Elo arena of checkpoints), not built yet: a placeholder that keeps the
/// target compiling.
public enum TallyArenaModule {
    /// The module's name, for diagnostics.
    public static let name = "TallyArena"
}
