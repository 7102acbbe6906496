import Descent
import Foundation

/// What a search runs, saved as `search.json` in its folder so that `descent search --resume DIR` runs the
/// same trials: the base config, the overrides, the space, the seed, the metric, the parallelism and the rungs
/// of successive halving.
public struct SearchPlan: Sendable, Codable, Equatable {
    /// The base config file (absolute path), or `nil` for the built-in config.
    public var config: String?
    /// `--set` overrides applied to every trial before its parameters.
    public var overrides: [String]
    /// The searched parameters.
    public var space: SearchSpace
    /// Seed of the sampled parameters.
    public var seed: UInt64
    /// The validation metric trials are ranked by.
    public var metric: MonitoredMetric
    /// Trials run at a time.
    public var parallel: Int
    /// Kernel threads of each trial (`descent train --threads`).
    public var threadsPerTrial: Int
    /// The rungs of successive halving (`search.strategy: halving`), or `nil` for the full strategy.
    public var halving: SuccessiveHalving?
    /// Hyperband's brackets (`search.strategy: hyperband`; run by ``HyperbandRun``, one folder per bracket).
    public var hyperband: Hyperband?
    /// The trials' overrides when fixed (a Hyperband bracket's share of the space), else `nil`: the space's
    /// ``SearchSpace/configurations(seed:)``.
    public var configurations: [[String]]?

    /// A plan of `space` over `config` (an absolute path, or `nil`) with `overrides`; successive halving with
    /// `halving`, else every trial trains for `training.epochs`.
    public init(
        config: String?, overrides: [String], space: SearchSpace, seed: UInt64, metric: MonitoredMetric,
        parallel: Int, threadsPerTrial: Int, halving: SuccessiveHalving? = nil
    ) {
        self.config = config
        self.overrides = overrides
        self.space = space
        self.seed = seed
        self.metric = metric
        self.parallel = parallel
        self.threadsPerTrial = threadsPerTrial
        self.halving = halving
    }

    /// The trials' overrides: ``configurations``, else the space's, drawn from ``seed``.
    public var trialConfigurations: [[String]] { configurations ?? space.configurations(seed: seed) }

    /// Trials at a time that fit `cores` without oversubscribing: cores / threads per trial, at least 1.
    public static func defaultParallel(cores: Int, threadsPerTrial: Int) -> Int {
        max(1, cores / max(1, threadsPerTrial))
    }

    /// The resolved config of trial overrides `parameters` (validated).
    public func trialConfig(_ parameters: [String]) throws -> TrainingConfig {
        var sets = overrides + parameters + ["training.evaluate_test=false"]
        sets.append("threads=\(threadsPerTrial)")
        if let config { return try TrainingConfig.load(contentsOf: URL(fileURLWithPath: config), overrides: sets) }
        return try TrainingConfig.parse(yaml: "", source: "the built-in config", overrides: sets)
    }

    /// Reads `search.json` in `folder`.
    public static func read(from folder: URL) throws -> SearchPlan {
        let url = folder.appendingPathComponent("search.json")
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw DescentError(.file, folder.path, "not a search folder (no search.json)")
        }
        return try JSONFile.decode(SearchPlan.self, from: data)
    }

    /// Writes `search.json` into `folder`.
    public func write(to folder: URL) throws {
        try AtomicFile.write(try JSONFile.encode(self), to: folder.appendingPathComponent("search.json"))
    }
}
