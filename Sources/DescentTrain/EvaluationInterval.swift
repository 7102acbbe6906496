/// How often a configured run validates (``StepValidation`` for `.steps`).
public enum EvaluationInterval: Sendable, Codable, Equatable {
    /// After every epoch (the default).
    case epoch
    /// Every `n` optimizer steps, and after every epoch.
    case steps(Int)
}
