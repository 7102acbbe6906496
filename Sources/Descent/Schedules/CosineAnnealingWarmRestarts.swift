import Foundation

/// Cosine annealing with warm restarts, SGDR (`CosineAnnealingWarmRestarts`): the cosine restarts from
/// `baseLR` after `T_0` steps, then after `T_0·T_mult`, `T_0·T_mult²`, ... steps:
/// `lr(k) = η_min + (baseLR − η_min)·(1 + cos(π·T_cur/T_i))/2`, with `T_cur` the steps since the last restart
/// and `T_i` the length of the current cycle.
public struct CosineAnnealingWarmRestarts: LearningRateSchedule, Codable, Equatable {
    /// The rate at each restart.
    public var baseLR: Double
    /// Length `T_0` of the first cycle.
    public var t0: Int
    /// Growth factor `T_mult` of the cycle length (an integer ≥ 1).
    public var tMult: Int
    /// The minimum rate η_min.
    public var etaMin: Double
    /// `torch.optim.lr_scheduler.CosineAnnealingWarmRestarts`'s default `T_mult`, 1.
    public static let defaultTMult = 1
    /// `torch.optim.lr_scheduler.CosineAnnealingWarmRestarts`'s default `eta_min`, 0.
    public static let defaultEtaMin: Double = 0

    /// SGDR with first cycle `t0`, cycle growth `tMult` and minimum `etaMin`.
    public init(baseLR: Double, t0: Int, tMult: Int = defaultTMult, etaMin: Double = defaultEtaMin) {
        precondition(t0 >= 1, "CosineAnnealingWarmRestarts: t0 must be at least 1, not \(t0)")
        precondition(tMult >= 1, "CosineAnnealingWarmRestarts: tMult must be at least 1, not \(tMult)")
        self.baseLR = baseLR
        self.t0 = t0
        self.tMult = tMult
        self.etaMin = etaMin
    }
    /// Position `(T_cur, T_i)` within the current cycle at `step`.
    public func cycle(at step: Int) -> (tCur: Int, tI: Int) {
        if tMult == 1 { return (step % t0, t0) }
        var tCur = step, tI = t0
        while tCur >= tI {
            tCur -= tI
            tI *= tMult
        }
        return (tCur, tI)
    }
    /// `η_min + (baseLR − η_min)·(1 + cos(π·T_cur/T_i))/2`.
    public func lr(at step: Int) -> Double {
        checkScheduleStep(step, "CosineAnnealingWarmRestarts")
        let (tCur, tI) = cycle(at: step)
        return etaMin + (baseLR - etaMin) * (1 + Foundation.cos(Double.pi * Double(tCur) / Double(tI))) / 2
    }
}
