/// The `TallyWorld` module: see DESIGN.md for what it owns.
public enum TallyWorldModule {
    /// The module's name, for diagnostics.
    public static let name = "TallyWorld"
}
