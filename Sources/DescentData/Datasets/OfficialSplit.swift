/// The training or test part of a dataset as its publishers split it.
public enum OfficialSplit: String, Sendable, CaseIterable {
    /// The training part.
    case train
    /// The test part.
    case test
}
