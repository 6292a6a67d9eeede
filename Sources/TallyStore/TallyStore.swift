/// The `TallyStore` module: see DESIGN.md for what it owns.
public enum TallyStoreModule {
    /// The module's name, for diagnostics.
    public static let name = "TallyStore"
}
