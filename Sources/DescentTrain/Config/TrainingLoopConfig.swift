import Descent

/// The `training` section: how long to train, how often to validate, and what to do with gradients and
/// non-finite losses.
public struct TrainingLoopConfig: Sendable, Equatable {
    /// Epochs to train.
    public var epochs = 6
    /// Stop after this many optimizer steps, if set.
    public var maxSteps: Int?
    /// Validate after every epoch, or also every N steps.
    public var evalEvery: EvaluationInterval = .epoch
    /// What to do with a NaN or infinite loss or gradient.
    public var nonFinite: NonFiniteLossPolicy = .stop
    /// Learning-rate factor of each rollback (`non_finite: rollback`).
    public var rollbackFactor = 0.5
    /// Rollbacks allowed before training stops.
    public var maxRollbacks = 3
    /// Clip the global gradient norm to this value before each step.
    public var clipGradNorm: Double?
    /// Clip every gradient element into [−v, v] before each step.
    public var clipGradValue: Double?
    /// Evaluate on the test split at the end (`false` in `descent search` trials, which must not see it).
    public var evaluateTest = true
    /// Under a data-parallel launch (`mpirun -np N`), synchronise every BatchNorm's training statistics over
    /// the ranks (``convertSyncBatchNorm(_:context:)``); ignored by a one-process run, where it changes nothing.
    public var syncBatchNorm = false

    /// The defaults: 6 epochs, validation after each, stop on a non-finite loss, no clipping.
    public init() {}

    /// Reads the `training` section.
    init(_ r: SectionReader) throws {
        epochs = try r.int("epochs", .atLeast(1)) ?? 6
        maxSteps = try r.int("max_steps", .atLeast(1))
        if let n = r.value("eval_every") {
            if n.scalar == "epoch" {
                evalEvery = .epoch
            } else {
                guard case .scalar(let s, true) = n.content, let steps = Int(s), steps >= 1 else {
                    throw r.error("eval_every", "expected 'epoch' or a positive number of steps, got \(n.described)")
                }
                evalEvery = .steps(steps)
            }
        }
        let policies = NonFiniteLossPolicy.allCases.map(\.rawValue)
        nonFinite = NonFiniteLossPolicy(
            rawValue: try r.choice("non_finite", policies, what: "non-finite loss policy") ?? "stop")!
        rollbackFactor = try r.double("rollback_factor", .openUnit) ?? 0.5
        maxRollbacks = try r.int("max_rollbacks", .nonNegative) ?? 3
        clipGradNorm = try r.double("clip_grad_norm", .positive)
        clipGradValue = try r.double("clip_grad_value", .positive)
        evaluateTest = try r.bool("evaluate_test") ?? true
        syncBatchNorm = try r.bool("sync_batch_norm") ?? false
        try r.finish(known: [
            "epochs", "max_steps", "eval_every", "non_finite", "rollback_factor", "max_rollbacks", "clip_grad_norm",
            "clip_grad_value", "evaluate_test", "sync_batch_norm",
        ])
    }

    /// Writes the section.
    func write(_ w: inout YAMLWriter) {
        w.section("training") { w in
            w.line("epochs", ConfigValue.int(epochs))
            w.line("max_steps", maxSteps.map(ConfigValue.int))
            switch evalEvery {
            case .epoch: w.line("eval_every", "epoch")
            case .steps(let n): w.line("eval_every", ConfigValue.int(n))
            }
            w.line("non_finite", nonFinite.rawValue)
            w.line("rollback_factor", ConfigValue.number(rollbackFactor))
            w.line("max_rollbacks", ConfigValue.int(maxRollbacks))
            w.line("clip_grad_norm", clipGradNorm.map(ConfigValue.number))
            w.line("clip_grad_value", clipGradValue.map(ConfigValue.number))
            w.line("evaluate_test", ConfigValue.bool(evaluateTest))
            w.line("sync_batch_norm", ConfigValue.bool(syncBatchNorm))
        }
    }
}
