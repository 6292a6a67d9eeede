/// The `TallyTrain` module: see DESIGN.md for what it owns.
public enum TallyTrainModule {
    /// The module's name, for diagnostics.
    public static let name = "TallyTrain"
}
