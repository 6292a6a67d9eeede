/// The `TallyArena` module: see DESIGN.md for what it owns.
public enum TallyArenaModule {
    /// The module's name, for diagnostics.
    public static let name = "TallyArena"
}
