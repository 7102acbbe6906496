/// How often the trainer validates.
public enum EvaluationInterval: Sendable, Codable, Equatable {
    /// After every epoch (the default).
    case epoch
    /// Every `n` optimizer steps, and after every epoch.
    case steps(Int)
}
