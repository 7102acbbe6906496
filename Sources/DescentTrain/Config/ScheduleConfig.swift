import Descent

/// The `schedule` section: how the learning rate changes, with `torch.optim.lr_scheduler`'s argument names,
/// counted in epochs or in optimizer steps (`every`), optionally after a linear warm-up.
public struct ScheduleConfig: Sendable, Equatable {
    /// The schedules that can be named.
    public enum Kind: String, Sendable, CaseIterable {
        /// A constant rate, and decays by steps, exponential, inverse-time, polynomial and cosine.
        case none, step, multistep, exponential, inverseTime = "inverse_time", polynomial, cosine
        /// Cosine with restarts, PyTorch's LinearLR and ConstantLR, and the one-cycle policy.
        case cosineWarmRestarts = "cosine_warm_restarts", linear, constant, oneCycle = "one_cycle"
        /// Reduce the rate when a metric plateaus (checked after each epoch; not a function of the step).
        case reduceOnPlateau = "reduce_on_plateau"

        /// The options, their types and defaults (PyTorch's; lengths left out cover the whole run).
        var specs: [OptionSpec] {
            switch self {
            case .none: return []
            case .step: return [.int("step_size", nil, .atLeast(1)), .number("gamma", StepLR.defaultGamma, .positive)]
            case .multistep:
                return [
                    OptionSpec.ints("milestones", nil, .atLeast(1)).required(),
                    .number("gamma", MultiStepLR.defaultGamma, .positive),
                ]
            case .exponential: return [OptionSpec.number("gamma", nil, .positive).required()]
            case .inverseTime: return [.number("gamma", InverseTimeLR.defaultGamma, .nonNegative)]
            case .polynomial:
                return [
                    .int("total_iters", nil, .atLeast(1)),
                    .number("power", PolynomialLR.defaultPower, .nonNegative),
                ]
            case .cosine:
                return [
                    .int("t_max", nil, .atLeast(1)),
                    .number("eta_min", CosineAnnealingLR.defaultEtaMin, .nonNegative),
                ]
            case .cosineWarmRestarts:
                typealias SGDR = CosineAnnealingWarmRestarts
                return [
                    OptionSpec.int("t_0", nil, .atLeast(1)).required(),
                    .int("t_mult", SGDR.defaultTMult, .atLeast(1)),
                    .number("eta_min", SGDR.defaultEtaMin, .nonNegative),
                ]
            case .linear:
                return [
                    .number("start_factor", LinearLR.defaultStartFactor, .halfOpenUnit),
                    .number("end_factor", LinearLR.defaultEndFactor, .probability),
                    .int("total_iters", LinearLR.defaultTotalIters, .atLeast(1)),
                ]
            case .constant:
                return [
                    .number("factor", ConstantLR.defaultFactor, .probability),
                    .int("total_iters", ConstantLR.defaultTotalIters, .atLeast(1)),
                ]
            case .oneCycle:
                typealias D = OneCycleLR
                return [
                    .int("total_steps", nil, .atLeast(1)), .number("pct_start", D.defaultPctStart, .probability),
                    .choice("anneal_strategy", ["cos", "linear"], D.defaultAnnealStrategy.rawValue),
                    .flag("cycle_momentum", D.defaultCycleMomentum),
                    .number("base_momentum", D.defaultBaseMomentum, .nonNegative),
                    .number("max_momentum", D.defaultMaxMomentum, .nonNegative),
                    .number("div_factor", D.defaultDivFactor, .positive),
                    .number("final_div_factor", D.defaultFinalDivFactor, .positive),
                    .flag("three_phase", D.defaultThreePhase),
                ]
            case .reduceOnPlateau:
                typealias D = ReduceLROnPlateau
                return [
                    .choice("monitor", MonitoredMetric.allCases.map(\.rawValue), "val_loss"),
                    .choice("mode", ["min", "max"], nil),
                    .number("factor", D.defaultFactor, .openUnit),
                    .int("patience", D.defaultPatience, .nonNegative),
                    .number("threshold", D.defaultThreshold, .nonNegative),
                    .choice("threshold_mode", ["rel", "abs"], D.defaultThresholdMode.rawValue),
                    .int("cooldown", D.defaultCooldown, .nonNegative),
                    .number("min_lr", D.defaultMinLR, .nonNegative),
                    .number("eps", D.defaultEps, .nonNegative),
                ]
            }
        }

        /// Whether a linear warm-up may precede the schedule.
        var allowsWarmup: Bool { self != .oneCycle && self != .reduceOnPlateau }
    }

    /// The unit the schedule counts.
    public enum Unit: String, Sendable, CaseIterable {
        /// Finished epochs (the rate changes after each epoch).
        case epoch
        /// Optimizer steps (the rate changes after each step).
        case step
    }

    /// The schedule.
    public var kind: Kind
    /// Its options; also `warmup` (units of linear warm-up) and `warmup_start_factor` (default
    /// ``Descent/LinearLR/defaultStartFactor``, 1/3).
    public var options: ConfigOptions
    /// What one unit of the schedule is (default: epochs; steps for one_cycle).
    public var every: Unit
    /// Where the section's keys were written.
    var sources = SourceMap()

    /// A schedule; options left out take their defaults.
    public init(_ kind: Kind, options: ConfigOptions = ConfigOptions(), every: Unit? = nil) {
        self.kind = kind
        self.options = ConfigOptions.defaults(kind.specs).merging(options)
        self.every = every ?? (kind == .oneCycle ? .step : .epoch)
    }

    static let warmupSpecs: [OptionSpec] = [
        .int("warmup", nil, .atLeast(1)), .number("warmup_start_factor", nil, .halfOpenUnit),
    ]

    /// Reads the `schedule` section (absent: cosine annealing over the run, per epoch).
    init(_ r: SectionReader) throws {
        kind = Kind(rawValue: try r.choice("name", Kind.allCases.map(\.rawValue), what: "schedule") ?? "cosine")!
        options = try r.options(kind.specs + (kind.allowsWarmup ? Self.warmupSpecs : []), for: kind.rawValue)
        if options["warmup"] != nil && options["warmup_start_factor"] == nil {
            options["warmup_start_factor"] = .number(LinearLR.defaultStartFactor)
        }
        if options["warmup"] == nil, options["warmup_start_factor"] != nil {
            throw r.error("warmup_start_factor", "needs warmup (the number of warm-up epochs or steps)")
        }
        let unit = try r.choice("every", Unit.allCases.map(\.rawValue)).flatMap(Unit.init(rawValue:))
        every = unit ?? (kind == .oneCycle ? .step : .epoch)
        if kind == .reduceOnPlateau && every == .step {
            throw r.error("every", "reduce_on_plateau is checked after each epoch's validation; it cannot count steps")
        }
        if let m = options.ints("milestones"), zip(m, m.dropFirst()).contains(where: { $0 >= $1 }) {
            throw r.error("milestones", "must increase, got \(YAMLWriter.flow(.list(m.map(ConfigValue.int))))")
        }
        let own = kind.specs.map(\.key) + (kind.allowsWarmup ? ["warmup", "warmup_start_factor"] : [])
        let all = Kind.allCases.flatMap { $0.specs.map(\.key) } + ["warmup", "warmup_start_factor"]
        try r.finish(
            known: ["name", "every"] + own,
            elsewhere: OptionSpec.misplaced(all, own: own, in: "schedule \(kind.rawValue)"))
        sources = r.sourceMap
    }

    /// Writes the section.
    func write(_ w: inout YAMLWriter) {
        w.section("schedule") { w in
            w.line("name", kind.rawValue)
            for spec in kind.specs + Self.warmupSpecs { w.line(spec.key, options[spec.key]) }
            w.line("every", every.rawValue)
        }
    }

    /// The plateau detector, for `reduce_on_plateau`, and the metric it watches.
    public func makeReduceOnPlateau() -> (ReduceLROnPlateau, MonitoredMetric)? {
        guard kind == .reduceOnPlateau else { return nil }
        let o = options
        let monitor = MonitoredMetric(rawValue: o.string("monitor")!)!
        let mode: ReduceLROnPlateau.Mode =
            o.string("mode").flatMap(ReduceLROnPlateau.Mode.init(rawValue:)) ?? (monitor.higherIsBetter ? .max : .min)
        let plateau = ReduceLROnPlateau(
            mode: mode, factor: o.double("factor")!, patience: o.int("patience")!,
            threshold: o.double("threshold")!,
            thresholdMode: o.string("threshold_mode") == "abs" ? .absolute : .relative,
            cooldown: o.int("cooldown")!, minLR: o.double("min_lr")!, eps: o.double("eps")!)
        return (plateau, monitor)
    }

    /// The schedule for base rate `lr` over a run of `length` units (epochs, or steps with `every: step`), or
    /// `nil` for `none` without warm-up and for `reduce_on_plateau`.
    ///
    /// - Throws: ``DescentError`` of kind `.config` when the warm-up is not shorter than the run.
    public func makeSchedule(lr: Double, length: Int) throws -> (any LearningRateSchedule)? {
        let o = options
        let warmup = o.int("warmup") ?? 0
        guard warmup < length else {
            throw sources.error(
                "schedule.warmup",
                "the warm-up (\(warmup) \(every.rawValue)s) must be shorter than the run (\(length) \(every.rawValue)s)"
            )
        }
        let rest = max(1, length - warmup)
        let base: (any LearningRateSchedule)?
        switch kind {
        case .none: base = warmup > 0 ? FixedLR(baseLR: lr) : nil
        case .reduceOnPlateau: base = nil
        case .step:
            base = StepLR(baseLR: lr, stepSize: o.int("step_size") ?? max(1, rest / 3), gamma: o.double("gamma")!)
        case .multistep: base = MultiStepLR(baseLR: lr, milestones: o.ints("milestones")!, gamma: o.double("gamma")!)
        case .exponential: base = ExponentialLR(baseLR: lr, gamma: o.double("gamma")!)
        case .inverseTime: base = InverseTimeLR(baseLR: lr, gamma: o.double("gamma")!)
        case .polynomial:
            base = PolynomialLR(baseLR: lr, totalIters: o.int("total_iters") ?? rest, power: o.double("power")!)
        case .cosine: base = CosineAnnealingLR(baseLR: lr, tMax: o.int("t_max") ?? rest, etaMin: o.double("eta_min")!)
        case .cosineWarmRestarts:
            base = CosineAnnealingWarmRestarts(
                baseLR: lr, t0: o.int("t_0")!, tMult: o.int("t_mult")!, etaMin: o.double("eta_min")!)
        case .linear:
            base = LinearLR(
                baseLR: lr, startFactor: o.double("start_factor")!, endFactor: o.double("end_factor")!,
                totalIters: o.int("total_iters")!)
        case .constant: base = ConstantLR(baseLR: lr, factor: o.double("factor")!, totalIters: o.int("total_iters")!)
        case .oneCycle:
            base = OneCycleLR(
                maxLR: lr, totalSteps: o.int("total_steps") ?? length, pctStart: o.double("pct_start")!,
                annealStrategy: o.string("anneal_strategy") == "linear" ? .linear : .cos,
                cycleMomentum: o.bool("cycle_momentum")!, baseMomentum: o.double("base_momentum")!,
                maxMomentum: o.double("max_momentum")!, divFactor: o.double("div_factor")!,
                finalDivFactor: o.double("final_div_factor")!, threePhase: o.bool("three_phase")!)
        }
        guard let base, warmup > 0 else { return base }
        return base.withLinearWarmup(steps: warmup, startFactor: o.double("warmup_start_factor")!)
    }

    /// `cosine per epoch`, for one-line summaries.
    var summary: String {
        kind == .none && options["warmup"] == nil
            ? "constant learning rate" : "\(kind.rawValue) schedule per \(every.rawValue)"
    }
}
