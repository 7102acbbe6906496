/// Inverse-time decay: `lr(k) = baseLR / (1 + γ·k)`.
///
/// With γ = 1 this is the series `lr₀ / k` with `k` counted from 1 (`k = step + 1`), the classical choice for
/// stochastic gradient descent: `Σ lr_k = ∞` (the iterates can travel any distance) while `Σ lr_k² < ∞` (the
/// gradient noise averages out), and on strongly convex problems it gives the optimal `O(1/k)` rate
/// (the fastest-converging of these series, for `lr₀` large enough). ``harmonic(baseLR:)`` builds it.
/// PyTorch has no class for it; `LambdaLR(lambda k: 1 / (1 + γk))` is the same.
public struct InverseTimeLR: LearningRateSchedule, Codable, Equatable {
    /// The rate at step 0.
    public var baseLR: Double
    /// Decay rate γ.
    public var gamma: Double
    /// The default γ, 1: the harmonic series `lr₀ / k` (PyTorch has no such class to take a default from).
    public static let defaultGamma: Double = 1

    /// `baseLR / (1 + γ·k)`.
    public init(baseLR: Double, gamma: Double) {
        precondition(gamma >= 0, "InverseTimeLR: gamma must not be negative, not \(gamma)")
        self.baseLR = baseLR
        self.gamma = gamma
    }
    /// The `lr₀ / k` series with `k = step + 1` (γ = 1).
    public static func harmonic(baseLR: Double) -> InverseTimeLR { InverseTimeLR(baseLR: baseLR, gamma: defaultGamma) }
    /// `baseLR / (1 + γ·k)`.
    public func lr(at step: Int) -> Double {
        checkScheduleStep(step, "InverseTimeLR")
        return baseLR / (1 + gamma * Double(step))
    }
}
