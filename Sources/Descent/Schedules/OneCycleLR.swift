import Foundation

/// The one-cycle policy (`OneCycleLR`): the rate rises from `maxLR/divFactor` to `maxLR` over the first
/// `pctStart` of `totalSteps`, then anneals to `maxLR/(divFactor·finalDivFactor)`; the momentum moves the
/// opposite way between `maxMomentum` and `baseMomentum`. With `threePhase`, the rate first comes back down to
/// the initial rate symmetrically, and the last phase anneals to the minimum.
///
/// Each phase interpolates by cosine, `end + (start − end)·(1 + cos(π·pct))/2` (or linearly), with phase
/// boundaries at `pctStart·totalSteps − 1` (and `2·pctStart·totalSteps − 2`) as in PyTorch. Step it per
/// iteration. Steps past `totalSteps` keep the rate of step `totalSteps` (PyTorch raises an error there).
/// ``baseLR`` is the peak `maxLR`.
public struct OneCycleLR: LearningRateSchedule, Codable, Equatable {
    /// How each phase interpolates.
    public enum AnnealStrategy: String, Codable, Sendable {
        /// Cosine interpolation.
        case cos
        /// Linear interpolation.
        case linear
    }

    /// The peak rate.
    public var maxLR: Double
    /// Total number of steps of the cycle.
    public var totalSteps: Int
    /// Fraction of the cycle spent increasing the rate.
    public var pctStart: Double
    /// Interpolation of each phase.
    public var annealStrategy: AnnealStrategy
    /// Whether the schedule cycles the momentum (β₁ for the Adam family).
    public var cycleMomentum: Bool
    /// The momentum at the peak rate.
    public var baseMomentum: Double
    /// The momentum at the start and end.
    public var maxMomentum: Double
    /// The initial rate is `maxLR / divFactor`.
    public var divFactor: Double
    /// The final rate is `initial / finalDivFactor`.
    public var finalDivFactor: Double
    /// Use three phases (up, down to the initial rate, down to the minimum) instead of two.
    public var threePhase: Bool

    /// `torch.optim.lr_scheduler.OneCycleLR`'s default `pct_start`, 0.3.
    public static let defaultPctStart: Double = 0.3
    /// `torch.optim.lr_scheduler.OneCycleLR`'s default `anneal_strategy`, cosine.
    public static let defaultAnnealStrategy = AnnealStrategy.cos
    /// `torch.optim.lr_scheduler.OneCycleLR`'s default `cycle_momentum`, true.
    public static let defaultCycleMomentum = true
    /// `torch.optim.lr_scheduler.OneCycleLR`'s default `base_momentum`, 0.85.
    public static let defaultBaseMomentum: Double = 0.85
    /// `torch.optim.lr_scheduler.OneCycleLR`'s default `max_momentum`, 0.95.
    public static let defaultMaxMomentum: Double = 0.95
    /// `torch.optim.lr_scheduler.OneCycleLR`'s default `div_factor`, 25.
    public static let defaultDivFactor: Double = 25
    /// `torch.optim.lr_scheduler.OneCycleLR`'s default `final_div_factor`, 1e4.
    public static let defaultFinalDivFactor: Double = 1e4
    /// `torch.optim.lr_scheduler.OneCycleLR`'s default `three_phase`, false.
    public static let defaultThreePhase = false

    /// A one-cycle schedule; defaults as PyTorch (pct 0.3, cos, momentum 0.85–0.95, div 25, final div 1e4).
    public init(
        maxLR: Double, totalSteps: Int, pctStart: Double = defaultPctStart,
        annealStrategy: AnnealStrategy = defaultAnnealStrategy, cycleMomentum: Bool = defaultCycleMomentum,
        baseMomentum: Double = defaultBaseMomentum, maxMomentum: Double = defaultMaxMomentum,
        divFactor: Double = defaultDivFactor, finalDivFactor: Double = defaultFinalDivFactor,
        threePhase: Bool = defaultThreePhase
    ) {
        precondition(totalSteps >= 1, "OneCycleLR: totalSteps must be positive, not \(totalSteps)")
        precondition(pctStart >= 0 && pctStart <= 1, "OneCycleLR: pctStart must be in [0, 1], not \(pctStart)")
        self.maxLR = maxLR
        self.totalSteps = totalSteps
        self.pctStart = pctStart
        self.annealStrategy = annealStrategy
        self.cycleMomentum = cycleMomentum
        self.baseMomentum = baseMomentum
        self.maxMomentum = maxMomentum
        self.divFactor = divFactor
        self.finalDivFactor = finalDivFactor
        self.threePhase = threePhase
    }

    /// The peak rate ``maxLR``.
    public var baseLR: Double {
        get { maxLR }
        set { maxLR = newValue }
    }
    /// The rate at step 0, `maxLR / divFactor`.
    public var initialLR: Double { maxLR / divFactor }
    /// The final rate, `initialLR / finalDivFactor`.
    public var minLR: Double { initialLR / finalDivFactor }

    /// The phases: last step of each, and start and end values of the rate and the momentum.
    func phases() -> [(end: Double, lr: (Double, Double), momentum: (Double, Double))] {
        let total = Double(totalSteps)
        if threePhase {
            return [
                (pctStart * total - 1, (initialLR, maxLR), (maxMomentum, baseMomentum)),
                (2 * pctStart * total - 2, (maxLR, initialLR), (baseMomentum, maxMomentum)),
                (total - 1, (initialLR, minLR), (maxMomentum, maxMomentum)),
            ]
        }
        return [
            (pctStart * total - 1, (initialLR, maxLR), (maxMomentum, baseMomentum)),
            (total - 1, (maxLR, minLR), (baseMomentum, maxMomentum)),
        ]
    }

    func anneal(_ start: Double, _ end: Double, _ pct: Double) -> Double {
        switch annealStrategy {
        case .cos: return end + (start - end) / 2.0 * (Foundation.cos(Double.pi * pct) + 1)
        case .linear: return (end - start) * pct + start
        }
    }

    /// The phase in charge at `step` and the fraction of it done.
    func locate(_ step: Int) -> (phase: (end: Double, lr: (Double, Double), momentum: (Double, Double)), pct: Double) {
        checkScheduleStep(step, "OneCycleLR")
        let k = Double(Swift.min(step, totalSteps))
        let all = phases()
        var start = 0.0
        for (i, phase) in all.enumerated() {
            if k <= phase.end || i == all.count - 1 {
                return (phase, (k - start) / (phase.end - start))
            }
            start = phase.end
        }
        preconditionFailure("OneCycleLR: no phase")
    }

    /// The rate at `step`.
    public func lr(at step: Int) -> Double {
        let (phase, pct) = locate(step)
        return anneal(phase.lr.0, phase.lr.1, pct)
    }

    /// The momentum at `step`, or `nil` when ``cycleMomentum`` is off.
    public func momentum(at step: Int) -> Double? {
        guard cycleMomentum else { return nil }
        let (phase, pct) = locate(step)
        return anneal(phase.momentum.0, phase.momentum.1, pct)
    }
}
