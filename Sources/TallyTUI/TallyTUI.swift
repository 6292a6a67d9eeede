/// The `TallyTUI` module: see DESIGN.md for what it owns.
public enum TallyTUIModule {
    /// The module's name, for diagnostics.
    public static let name = "TallyTUI"
}
