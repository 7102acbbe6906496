import Descent

/// The `early_stopping` section: stop when a metric stops improving, and restore the best weights.
public struct EarlyStoppingConfig: Sendable, Equatable {
    /// The watched metric.
    public var monitor: MonitoredMetric = .validationLoss
    /// Epochs without improvement before stopping.
    public var patience = 3
    /// The smallest change that counts as an improvement.
    public var minDelta = 0.0
    /// Load the best epoch's weights when training ends.
    public var restoreBestWeights = true

    /// Early stopping on the validation loss with patience 3, restoring the best weights.
    public init(
        monitor: MonitoredMetric = .validationLoss, patience: Int = 3, minDelta: Double = 0,
        restoreBestWeights: Bool = true
    ) {
        self.monitor = monitor
        self.patience = patience
        self.minDelta = minDelta
        self.restoreBestWeights = restoreBestWeights
    }

    /// Reads the `early_stopping` section; `nil` when it is `null` or `false` (disabled).
    static func read(_ node: ConfigNode?, _ root: SectionReader) throws -> EarlyStoppingConfig? {
        guard let node else { return EarlyStoppingConfig() }
        if node.isNull || node.isFalse { return nil }
        if case .scalar = node.content {
            throw root.error(
                "early_stopping",
                "expected a section (monitor, patience, min_delta, restore_best_weights), or null or false to disable, got \(node.described)"
            )
        }
        let r = try root.section("early_stopping")
        let metrics = MonitoredMetric.allCases.map(\.rawValue)
        let config = EarlyStoppingConfig(
            monitor: MonitoredMetric(rawValue: try r.choice("monitor", metrics, what: "metric") ?? "val_loss")!,
            patience: try r.int("patience", .atLeast(1)) ?? 3, minDelta: try r.double("min_delta", .nonNegative) ?? 0,
            restoreBestWeights: try r.bool("restore_best_weights") ?? true)
        try r.finish(known: ["monitor", "patience", "min_delta", "restore_best_weights"])
        return config
    }

    /// The callback.
    public func makeCallback() -> EarlyStopping {
        EarlyStopping(monitor: monitor, patience: patience, minDelta: minDelta, restoreBestWeights: restoreBestWeights)
    }
}

extension CheckpointPolicy {
    /// Reads the `checkpoint` section: absent gives the default policy, `null` or `false` none.
    static func read(_ node: ConfigNode?, _ root: SectionReader) throws -> CheckpointPolicy? {
        guard let node else { return CheckpointPolicy() }
        if node.isNull || node.isFalse { return nil }
        if case .scalar = node.content {
            throw root.error(
                "checkpoint",
                "expected a section (every_epochs, every_steps, keep, save_best, monitor), or null or false to disable, got \(node.described)"
            )
        }
        let r = try root.section("checkpoint")
        let every = r.entries.contains { $0.key == "every_epochs" } || r.has("every_steps")
        let policy = CheckpointPolicy(
            everyEpochs: every ? try r.int("every_epochs", .atLeast(1)) : 1,
            everySteps: try r.int("every_steps", .atLeast(1)),
            keep: try r.int("keep", .atLeast(1)) ?? 2, saveBest: try r.bool("save_best") ?? true,
            monitor: MonitoredMetric(
                rawValue: try r.choice("monitor", MonitoredMetric.allCases.map(\.rawValue), what: "metric")
                    ?? "val_loss")!)
        _ = r.node("every_epochs")  // read above, or left out in favour of every_steps
        try r.finish(known: ["every_epochs", "every_steps", "keep", "save_best", "monitor"])
        return policy
    }
}
