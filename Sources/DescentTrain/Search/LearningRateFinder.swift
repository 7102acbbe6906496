import Descent
import DescentData
import Foundation

/// The learning-rate range test (Smith 2015; fastai's `lr_find`, PyTorch Lightning's `Tuner.lr_find`): trains
/// for a few hundred steps while the learning rate rises exponentially, records the smoothed loss against the
/// rate, and suggests the rate where the smoothed loss falls fastest. The model, the optimizer and the random
/// generators are restored bit for bit afterwards.
///
/// At step `i` (from 0) the rate is `lr_i = start · (end / start)^(i / steps)`; every parameter group keeps its
/// ratio to the first group's rate (`lr_g,i = lr_i · initial_g / initial_0`). After each step the loss is
/// smoothed as `avg_i = β · avg_(i−1) + (1 − β) · loss_i` (`avg_(−1) = 0`) and `smoothed_i = avg_i / (1 − β^(i+1))`;
/// the test stops when `smoothed_i > divergenceThreshold · min_(j≤i) smoothed_j` (from the second step on) or
/// the loss is not finite. Validation is skipped; epochs are cycled when the loader is shorter than `steps`.
///
/// ```swift
/// let result = try LearningRateFinder(steps: 100).run(on: setup)
/// print(result.suggestion ?? .nan)
/// ```
public struct LearningRateFinder: Sendable {
    /// The rate of the first step (Lightning's `min_lr`).
    public var start: Double
    /// The rate the exponential ramp heads for (reached after `steps` steps; Lightning's `max_lr`).
    public var end: Double
    /// The number of steps (Lightning's `num_training`).
    public var steps: Int
    /// The smoothing factor β of the loss's exponential moving average.
    public var beta: Double
    /// The test stops once the smoothed loss exceeds this multiple of the best smoothed loss so far (`nil`: never).
    public var divergenceThreshold: Double?
    /// Points left out at the start of the suggestion's search (Lightning's `skip_begin`).
    public var skipBegin: Int
    /// Points left out at the end of the suggestion's search (Lightning's `skip_end`).
    public var skipEnd: Int

    /// The default rate of the first step.
    public static let defaultStart = 1e-7
    /// The default rate the ramp heads for.
    public static let defaultEnd = 10.0
    /// The default number of steps.
    public static let defaultSteps = 100

    /// A range test from `start` to `end` over `steps` steps.
    public init(
        start: Double = defaultStart, end: Double = defaultEnd, steps: Int = defaultSteps, beta: Double = 0.98,
        divergenceThreshold: Double? = 4, skipBegin: Int = 10, skipEnd: Int = 1
    ) {
        precondition(start > 0 && end > start && steps > 0, "LearningRateFinder: needs 0 < start < end and steps > 0")
        precondition(beta >= 0 && beta < 1, "LearningRateFinder: beta must lie in [0, 1)")
        (self.start, self.end, self.steps, self.beta) = (start, end, steps, beta)
        (self.divergenceThreshold, self.skipBegin, self.skipEnd) = (divergenceThreshold, skipBegin, skipEnd)
    }

    /// One step of the test.
    public struct Point: Sendable, Equatable {
        /// The learning rate of the step (of the first parameter group).
        public var lr: Double
        /// The step's batch loss.
        public var loss: Double
        /// The bias-corrected moving average of the losses so far.
        public var smoothedLoss: Double
    }

    /// What a range test found.
    public struct Result: Sendable {
        /// The steps taken, in order (rates rising).
        public var points: [Point]
        /// The index in ``points`` of the suggested rate (`nil` when fewer than two usable points remain).
        public var suggestionIndex: Int?
        /// Why the test ended before `steps` steps (divergence), if it did.
        public var stopReason: String?
        /// The suggested learning rate: the point of steepest descent of the smoothed loss.
        public var suggestion: Double? { suggestionIndex.map { points[$0].lr } }
    }

    /// The rate of step `i`: `start · (end / start)^(i / steps)`.
    public func learningRate(at i: Int) -> Double { start * pow(end / start, Double(i) / Double(steps)) }

    /// Runs the test on `setup`'s model, optimizer, objective and training batches, then restores them.
    ///
    /// - Throws: errors from loading batches.
    public func run(on setup: TrainingSetup) throws -> Result {
        try run(model: setup.model, optimizer: setup.optimizer, objective: setup.objective, train: setup.train)
    }

    /// Runs the test with a ``Trainer`` of `model`, `optimizer` and `objective` on `train`, then restores the
    /// weights and buffers, the optimizer state (rates, step counts, buffers) and the random generators.
    ///
    /// - Throws: errors from loading batches.
    public func run(model: Module, optimizer: any Optimizer, objective: Objective, train: DataLoader) throws -> Result {
        let trainer = Trainer(model: model, optimizer: optimizer, objective: objective)
        let weights = model.stateDict()
        let optimizerState = optimizer.stateDict()
        let generators = trainer.randomGenerators
        let generatorStates = generators.map(\.state)
        let wasTraining = model.isTraining
        let ramp = LearningRateRamp(self)
        trainer.callbacks = [ramp, InterruptCheck()]
        let restore = {
            try model.load(stateDict: weights)
            try optimizer.load(state: optimizerState)
            for (g, s) in zip(generators, generatorStates) { g.state = s }
            model.train(wasTraining)
        }
        do {
            let perEpoch = max(train.batchesPerEpoch, 1)
            try trainer.fit(train, epochs: (steps + perEpoch - 1) / perEpoch, maxSteps: steps)
        } catch {
            try restore()
            throw error
        }
        try restore()
        return Result(points: ramp.points, suggestionIndex: suggestion(for: ramp.points), stopReason: ramp.stopReason)
    }

    /// The index of the steepest descent of the smoothed loss against `log10(lr)`: among the points with a
    /// finite smoothed loss, the first ``skipBegin`` and last ``skipEnd`` dropped, the argmin of the gradient
    /// `d smoothed / d log10(lr)` (`torch.gradient` with coordinates: second-order central differences
    /// `(h₋² f₊ − h₊² f₋ + (h₊² − h₋²) f) / (h₋ h₊ (h₋ + h₊))` inside, one-sided differences at the ends).
    /// Lightning differentiates against the rate itself; the log rate (fastai's `steep`) is what the plot shows
    /// and is robust to the geometric spacing. `nil` when fewer than two points remain.
    public func suggestion(for points: [Point]) -> Int? {
        let finite = points.indices.filter { points[$0].smoothedLoss.isFinite && points[$0].lr > 0 }
        guard finite.count > skipBegin + skipEnd else { return nil }
        let kept = Array(finite[skipBegin..<(finite.count - skipEnd)])
        guard kept.count >= 2 else { return nil }
        let x = kept.map { log10(points[$0].lr) }, f = kept.map { points[$0].smoothedLoss }
        var gradient = [Double](repeating: 0, count: kept.count)
        let n = kept.count
        gradient[0] = (f[1] - f[0]) / (x[1] - x[0])
        gradient[n - 1] = (f[n - 1] - f[n - 2]) / (x[n - 1] - x[n - 2])
        for i in 1..<max(n - 1, 1) {
            let hl = x[i] - x[i - 1], hr = x[i + 1] - x[i]
            gradient[i] = (hl * hl * f[i + 1] - hr * hr * f[i - 1] + (hr * hr - hl * hl) * f[i]) / (hl * hr * (hl + hr))
        }
        var best = 0
        for i in 1..<n where gradient[i] < gradient[best] { best = i }
        return kept[best]
    }
}

/// The range test's callback: sets the rising rate before each step, records each step's loss and its smoothed
/// value, and stops the trainer at `steps` steps or on divergence.
final class LearningRateRamp: TrainingCallback {
    let finder: LearningRateFinder
    var points: [LearningRateFinder.Point] = []
    var stopReason: String?
    private var average = 0.0, best = Double.infinity, ratios: [Double] = []

    init(_ finder: LearningRateFinder) { self.finder = finder }

    func trainingWillBegin(_ state: inout TrainingState) {
        let initial = state.optimizer.initialLearningRates
        ratios = initial.map { initial[0] > 0 ? $0 / initial[0] : 1 }
        setRate(0, state)
    }

    func stepDidEnd(_ state: inout TrainingState) {
        let i = points.count, loss = Double(state.loss)
        average = finder.beta * average + (1 - finder.beta) * loss
        let smoothed = average / (1 - pow(finder.beta, Double(i + 1)))
        points.append(.init(lr: finder.learningRate(at: i), loss: loss, smoothedLoss: smoothed))
        best = min(best, smoothed)
        if !smoothed.isFinite {
            stopReason = "the loss is not finite at step \(i + 1) (lr \(finder.learningRate(at: i)))"
        } else if let k = finder.divergenceThreshold, i > 0, smoothed > k * best {
            let lr = finder.learningRate(at: i)
            stopReason = "the smoothed loss exceeded \(k) × its best at step \(i + 1) (lr \(lr))"
        }
        if let stopReason { state.stop(reason: stopReason, immediately: true) }
        if points.count < finder.steps { setRate(points.count, state) }
    }

    private func setRate(_ i: Int, _ state: TrainingState) {
        let lr = finder.learningRate(at: i)
        state.optimizer.learningRates = ratios.map { lr * $0 }
    }
}
