import Foundation
import Testing

@testable import Descent

/// `Fixtures/schedules.json`, written by `Tests/Fixtures/generate_optim.py` from `torch.optim.lr_scheduler`:
/// 200 learning rates per schedule (index 0 right after construction, then one per `scheduler.step()`), and
/// ReduceLROnPlateau fed a stored metric sequence.
struct ScheduleFixture: Decodable {
    let steps: Int
    let schedules: [Entry]
    let plateaus: [Plateau]

    struct Entry: Decodable, CustomTestStringConvertible {
        let name: String
        let params: [String: StateValue]
        let base_lrs: [Double]
        let lrs: [[Double]]
        let momentum: [Double]?
        var testDescription: String { name }

        func double(_ key: String, _ fallback: Double? = nil) -> Double {
            switch params[key] {
            case .number(let x)?: return x
            default:
                guard let fallback else { fatalError("\(name): no parameter \(key)") }
                return fallback
            }
        }
        func int(_ key: String) -> Int { Int(double(key)) }
        func has(_ key: String) -> Bool { params[key] != nil }
    }

    struct Plateau: Decodable, CustomTestStringConvertible {
        let name: String
        let params: [String: StateValue]
        let base_lrs: [Double]
        let metrics: [Double]
        let lrs: [[Double]]
        var testDescription: String { name }

        /// The detector configured as the fixture's keyword arguments (absent ones: Descent's defaults).
        func make() -> ReduceLROnPlateau {
            var p = ReduceLROnPlateau()
            if case .string(let mode)? = params["mode"] {
                p = ReduceLROnPlateau(mode: ReduceLROnPlateau.Mode(rawValue: mode)!)
            }
            if case .string(let mode)? = params["threshold_mode"] { p.thresholdMode = .init(rawValue: mode)! }
            for (key, value) in params {
                guard case .number(let x) = value else { continue }
                switch key {
                case "factor": p.factor = x
                case "patience": p.patience = Int(x)
                case "threshold": p.threshold = x
                case "cooldown": p.cooldown = Int(x)
                case "min_lr": p.minLR = x
                case "eps": p.eps = x
                default: fatalError("\(name): unknown parameter \(key)")
                }
            }
            return p
        }
    }

    static let shared: ScheduleFixture = {
        do { return try loadFixture("schedules.json") } catch { fatalError("schedules.json: \(error)") }
    }()

    /// The Descent schedule for fixture entry `e` (base rate: the first group's).
    static func makeSchedule(_ e: Entry) -> any LearningRateSchedule {
        let base = e.base_lrs[0]
        switch e.name {
        case "step": return StepLR(baseLR: base, stepSize: e.int("step_size"), gamma: e.double("gamma"))
        case "step_defaults": return StepLR(baseLR: base, stepSize: e.int("step_size"))
        case "multistep":
            guard case .array(let ms)? = e.params["milestones"] else { fatalError("milestones") }
            let milestones = ms.map { v -> Int in
                guard case .number(let x) = v else { fatalError("milestone") }
                return Int(x)
            }
            return MultiStepLR(baseLR: base, milestones: milestones, gamma: e.double("gamma"))
        case "exponential": return ExponentialLR(baseLR: base, gamma: e.double("gamma"))
        case "constant_lr":
            return ConstantLR(baseLR: base, factor: e.double("factor"), totalIters: e.int("total_iters"))
        case "constant_lr_defaults": return ConstantLR(baseLR: base)
        case "inverse_time": return InverseTimeLR(baseLR: base, gamma: e.double("gamma"))
        case "harmonic": return InverseTimeLR.harmonic(baseLR: base)
        case "polynomial", "polynomial_linear":
            return PolynomialLR(baseLR: base, totalIters: e.int("total_iters"), power: e.double("power"))
        case "polynomial_defaults": return PolynomialLR(baseLR: base)
        case "cosine", "cosine_long", "cosine_odd", "cosine_groups":
            return CosineAnnealingLR(baseLR: base, tMax: e.int("t_max"), etaMin: e.double("eta_min"))
        case "warm_restarts", "warm_restarts_mult1", "warm_restarts_mult3":
            return CosineAnnealingWarmRestarts(
                baseLR: base, t0: e.int("t_0"), tMult: e.int("t_mult"), etaMin: e.double("eta_min"))
        case "linear", "linear_decay":
            return LinearLR(
                baseLR: base, startFactor: e.double("start_factor"), endFactor: e.double("end_factor"),
                totalIters: e.int("total_iters"))
        case "linear_defaults": return LinearLR(baseLR: base)
        case "warmup_cosine", "warmup_cosine_groups":
            return CosineAnnealingLR(baseLR: base, tMax: e.int("t_max"), etaMin: e.double("eta_min"))
                .withLinearWarmup(steps: e.int("warmup"), startFactor: e.double("start_factor"))
        case "warmup_step":
            return StepLR(baseLR: base, stepSize: e.int("step_size"), gamma: e.double("gamma"))
                .withLinearWarmup(steps: e.int("warmup"), startFactor: e.double("start_factor"))
        case "warmup_exponential":
            return ExponentialLR(baseLR: base, gamma: e.double("gamma"))
                .withLinearWarmup(steps: e.int("warmup"), startFactor: e.double("start_factor"))
        case "sequential_three":
            return SequentialLR(
                [
                    ConstantLR(baseLR: base, factor: 0.5, totalIters: 10),
                    ExponentialLR(baseLR: base, gamma: 0.95),
                    CosineAnnealingLR(baseLR: base, tMax: 60, etaMin: 0.001),
                ], milestones: [30, 80])
        case "one_cycle": return OneCycleLR(maxLR: e.double("max_lr"), totalSteps: e.int("total_steps"))
        case "one_cycle_three_phase":
            return OneCycleLR(
                maxLR: e.double("max_lr"), totalSteps: e.int("total_steps"), pctStart: e.double("pct_start"),
                divFactor: e.double("div_factor"), finalDivFactor: e.double("final_div_factor"),
                threePhase: true)
        case "one_cycle_linear":
            return OneCycleLR(
                maxLR: e.double("max_lr"), totalSteps: e.int("total_steps"), pctStart: e.double("pct_start"),
                annealStrategy: .linear)
        default: fatalError("no Descent schedule for fixture entry \(e.name)")
        }
    }
}

/// `|a − b| / max(|b|, 1e-12)`: relative error, with a floor only for exact zeros.
func scheduleRelativeError(_ a: Double, _ b: Double) -> Double {
    a == b ? 0 : Swift.abs(a - b) / Swift.max(Swift.abs(b), 1e-12)
}
