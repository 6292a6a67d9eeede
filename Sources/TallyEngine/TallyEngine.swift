/// The `TallyEngine` module: see DESIGN.md for what it owns.
public enum TallyEngineModule {
    /// The module's name, for diagnostics.
    public static let name = "TallyEngine"
}
