import Descent
import Foundation

extension TrainingConfig {
    /// The config with `optimizer.lr: find` replaced by the rate a ``LearningRateFinder`` suggests on this
    /// config's setup (rounded to three significant digits, the number the run trains with and its
    /// `config.yaml` records), and the test's result; the config itself and `nil` when the rate is a number.
    ///
    /// - Throws: ``DescentError`` of kind `.config` naming `optimizer.lr` when the test finds no steepest
    ///   descent (too few finite points), or the errors of ``makeSetup()``.
    public func resolvingLearningRate(_ finder: LearningRateFinder = LearningRateFinder())
        throws -> (config: TrainingConfig, result: LearningRateFinder.Result?)
    {
        guard optimizer.findsLearningRate else { return (self, nil) }
        let result = try finder.run(on: try makeSetup())
        guard let lr = result.suggestion else {
            let why = result.stopReason ?? "too few finite losses"
            throw sources.error(
                "optimizer.lr",
                "find: the learning-rate range test found no steepest descent "
                    + "(\(result.points.count) steps; \(why))")
        }
        var resolved = self
        resolved.optimizer.lr = Self.roundedRate(lr)
        return (resolved, result)
    }

    /// `x` to three significant digits (`0.0031622…` → `0.00316`).
    static func roundedRate(_ x: Double) -> Double { Double(String(format: "%.2e", x)) ?? x }
}
