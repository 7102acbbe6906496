import Foundation
import Testing

@testable import Descent
@testable import DescentData
@testable import DescentTrain

/// 256 samples of y = x·w + 0.5 with x ~ N(0, I₄) and w = [1, −2, 0.5, 3]: for SGD on the mean squared error the
/// Hessian is about 2·I, so rates up to about 0.5 converge fastest and rates above 1 diverge.
func linearRegression(seed: UInt64 = 5) -> TensorDataset {
    let x = RandomGenerator(seed: seed).normal([256, 4])
    let w: [Float] = [1, -2, 0.5, 3]
    let y = (0..<256).map { i in (0..<4).reduce(Float(0.5)) { $0 + x.scalars[4 * i + $1] * w[$1] } }
    return TensorDataset(inputs: x, targets: Tensor(y, shape: [256, 1]))
}

@Suite struct LearningRateFinderTests {
    /// A linear model under SGD on ``linearRegression(seed:)``, batches of 32 (8 per epoch).
    func regression(lr: Double = 0.01) -> (Module, any Optimizer, DataLoader) {
        let model = Models.mlp([4, 1], generator: RandomGenerator(seed: 1))
        let loader = DataLoader(linearRegression(), batchSize: 32, shuffle: true, seed: 2)
        return (model, SGD(model.parameters(), lr: lr), loader)
    }

    @Test func suggestionLiesInTheKnownGoodRange() throws {
        let (model, optimizer, loader) = regression()
        let result = try LearningRateFinder().run(
            model: model, optimizer: optimizer, objective: .meanSquaredError,
            train: loader)
        let lr = try #require(result.suggestion)
        // Good rates for this problem lie in [0.05, 0.8]; the steepest descent lies within a factor 5 below that.
        #expect(lr >= 0.01 && lr <= 0.8, "suggested \(lr)")
        #expect(result.stopReason != nil)  // 10 is far past the divergence at 1

        // Training with the suggestion for two epochs brings the loss from about 15 to near 0.
        let trained = regression(lr: lr)
        let trainer = Trainer(model: trained.0, optimizer: trained.1, objective: .meanSquaredError)
        let history = try trainer.fit(trained.2, epochs: 2)
        #expect(history.epochs.last!.trainLoss < 0.05 * history.epochs.first!.trainLoss + 0.1)
    }

    @Test func ratesAreGeometricAndLossesSmoothedAsLightning() throws {
        let (model, optimizer, loader) = regression()
        let finder = LearningRateFinder(start: 1e-6, end: 0.1, steps: 30)
        let result = try finder.run(model: model, optimizer: optimizer, objective: .meanSquaredError, train: loader)
        #expect(result.points.count == 30)  // 30 steps over 4 epochs of 8 batches
        #expect(result.stopReason == nil)
        let ratio = pow(0.1 / 1e-6, 1.0 / 30)
        var average = 0.0
        for (i, p) in result.points.enumerated() {
            #expect(p.lr == 1e-6 * pow(0.1 / 1e-6, Double(i) / 30))
            if i > 0 { #expect(abs(p.lr / result.points[i - 1].lr - ratio) < 1e-12) }
            #expect(p.loss.isFinite && p.smoothedLoss.isFinite)
            average = 0.98 * average + (1 - 0.98) * p.loss
            #expect(p.smoothedLoss == average / (1 - pow(0.98, Double(i + 1))))
        }
        let first = result.points.first!
        #expect(abs(first.smoothedLoss - first.loss) < 1e-12 * first.loss)  // the bias correction
    }

    @Test func stopsWhenTheSmoothedLossDiverges() throws {
        let (model, optimizer, loader) = regression()
        let result = try LearningRateFinder(start: 1e-3, end: 1e3, steps: 100)
            .run(model: model, optimizer: optimizer, objective: .meanSquaredError, train: loader)
        let reason = try #require(result.stopReason)
        #expect(reason.hasPrefix("the smoothed loss exceeded 4.0 × its best"), "\(reason)")
        #expect(result.points.count < 100)
        let last = result.points.last!
        #expect(last.lr > 1)  // SGD on this problem diverges above 1
        #expect(last.smoothedLoss > 4 * result.points.dropLast().map(\.smoothedLoss).min()!)
    }

    @Test func restoresWeightsOptimizerAndGeneratorsBitwise() throws {
        let model = Models.mlp([4, 8, 1], dropout: 0.5, generator: RandomGenerator(seed: 3))
        let adam = Adam(model.parameters(), lr: 0.01)
        let loader = DataLoader(linearRegression(), batchSize: 64, shuffle: true, seed: 2)
        let trainer = Trainer(model: model, optimizer: adam, objective: .meanSquaredError)
        try trainer.fit(loader, epochs: 1)  // Adam's moments and step counts are not zero
        let generators = trainer.randomGenerators
        let (weights, state, seeds) = (model.stateDict(), adam.stateDict(), generators.map(\.state))
        let result = try LearningRateFinder(steps: 20).run(
            model: model, optimizer: adam, objective: .meanSquaredError,
            train: loader)
        #expect(result.points.count > 1)
        #expect(model.stateDict().map(\.0) == weights.map(\.0))
        #expect(model.stateDict().map(\.1) == weights.map(\.1))
        #expect(adam.stateDict() == state)
        #expect(adam.learningRates == [0.01])
        #expect(generators.map(\.state.seed) == seeds.map(\.seed))
        #expect(generators.map(\.state.offset) == seeds.map(\.offset))
        #expect(model.isTraining)
    }

    @Test func groupsKeepTheirRatio() throws {
        let model = Models.mlp([4, 1], generator: RandomGenerator(seed: 1))
        let named = model.namedParameters().map { (name: $0.0, tensor: $0.1) }
        let groups = ParameterGroup.byName(named, [ParameterGroup.Selector(["*.bias"], lr: 0.1)])
        let optimizer = OptimizerRegistry.rule(named: "sgd")!.makeOptimizer(groups, ConfigOptions())
        optimizer.learningRates = [0.01, 0.1]
        final class Rates: TrainingCallback {
            var seen: [[Double]] = []
            func stepDidEnd(_ state: inout TrainingState) { seen.append(state.optimizer.learningRates) }
        }
        let finder = LearningRateFinder(start: 1e-4, end: 1e-2, steps: 5)
        let ramp = LearningRateRamp(finder)
        let trainer = Trainer(model: model, optimizer: optimizer, objective: .meanSquaredError)
        let rates = Rates()
        trainer.callbacks = [rates, ramp]
        try trainer.fit(DataLoader(linearRegression(), batchSize: 64), epochs: 2, maxSteps: 5)
        let initial = optimizer.initialLearningRates
        for (i, r) in rates.seen.enumerated() {
            #expect(r[0] == finder.learningRate(at: i))
            #expect(abs(r[1] / r[0] - initial[1] / initial[0]) < 1e-9)
        }
    }

    @Test func suggestionIsTheSteepestDescentAgainstLogRate() {
        let finder = LearningRateFinder(start: 1e-6, end: 1, steps: 60)
        // A smoothed loss falling as 1 − tanh(2 (log10 lr + 3)): steepest at lr = 1e-3.
        let points = (0..<60).map { i -> LearningRateFinder.Point in
            let lr = finder.learningRate(at: i)
            let loss = 1 - tanh(2 * (log10(lr) + 3))
            return .init(lr: lr, loss: loss, smoothedLoss: loss)
        }
        let index = finder.suggestion(for: points)
        #expect(index == 30)
        #expect(abs(log10(points[index!].lr) + 3) < 1e-9)
        // Non-finite points are dropped; too few points give no suggestion.
        var broken = points
        broken[30].smoothedLoss = .nan
        #expect(finder.suggestion(for: broken).map { abs($0 - 30) == 1 } == true)
        #expect(finder.suggestion(for: Array(points.prefix(12))) == nil)
    }

    @Test func configAcceptsFindAndRecordsTheRateFound() throws {
        let yaml = """
            data: {dataset: shapes, train_samples: 200, test_samples: 40, validation_fraction: 0, batch_size: 20}
            model: {name: mlp, hidden: [16]}
            optimizer: {name: sgd, lr: find, momentum: 0.9}
            training: {epochs: 1}
            report: false
            """
        let config = try TrainingConfig.parse(yaml: yaml, source: "c.yaml")
        #expect(config.optimizer.findsLearningRate)
        #expect(config.yaml.contains("lr: find"))
        #expect(try TrainingConfig.parse(yaml: config.yaml).optimizer == config.optimizer)
        let (resolved, result) = try config.resolvingLearningRate(LearningRateFinder(steps: 30))
        let found = try #require(result?.suggestion)
        #expect(!resolved.optimizer.findsLearningRate)
        #expect(resolved.optimizer.lr == TrainingConfig.roundedRate(found))
        #expect(resolved.optimizer.options.double("momentum") == 0.9)
        #expect(resolved.yaml.contains("lr: \(YAMLWriter.number(resolved.optimizer.lr))"))
        #expect(try TrainingConfig.parse(yaml: resolved.yaml).optimizer.lr == resolved.optimizer.lr)
    }

    @Test(arguments: [
        ("optimizer: {lr: fnd}", "c.yaml:1 optimizer.lr", "expected a number or 'find', got 'fnd'"),
        ("optimizer:\n  name: sgd\n  lr: -1", "c.yaml:3 optimizer.lr", "must be greater than 0, got -1"),
    ])
    func badRatesNameTheKey(yaml: String, location: String, reason: String) {
        let e = #expect(throws: DescentError.self) { try TrainingConfig.parse(yaml: yaml, source: "c.yaml") }
        #expect(e?.location == location)
        #expect(e?.reason == reason)
    }
}
