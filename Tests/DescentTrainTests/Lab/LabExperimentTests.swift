import Descent
import Foundation
import Testing

@testable import DescentTrain

/// Each `descent lab` experiment's claim at a small size, and the files it writes.
@Suite(.serialized) struct LabExperimentTests {
    @Test func learningRateClaims() throws {
        let lab = LearningRateLab()
        let outcomes = lab.outcomes().map(\.0)
        #expect(outcomes.map(\.lr) == [0.02, 0.25, 0.45, 0.52])
        // Too small: still far after 80 steps; 1/L converges fastest; just under 2/L zig-zags but converges;
        // above 2/L = 0.5 the loss grows.
        #expect(outcomes[0].stepsToTolerance == nil && outcomes[0].losses.last! < outcomes[0].losses[0])
        #expect(outcomes[1].stepsToTolerance == 28)
        #expect(outcomes[2].stepsToTolerance! > 28 && outcomes[2].signChanges > 20)
        #expect(outcomes[3].diverged && outcomes[3].losses.last! > 1e5)
        #expect(
            outcomes.map(\.verdict) == [
                "too slow: not at the tolerance", "converges", "overshoots (zig-zags) but converges", "diverges",
            ])
        let result = lab.run(LabOptions(quick: true))
        #expect(result.summary.contains("lr = 0.52: diverges"))
        let paths = try parseXML(result.plots.first { $0.name == "paths" }!.plot.svg())
        #expect(paths.all("path").filter { $0.cls == "level" }.count >= 10)
        #expect(
            ["lr = 0.02", "lr = 0.25", "lr = 0.45", "lr = 0.52", "start", "minimum"].allSatisfy { name in
                paths.all("text").contains { $0.text == name }
            })
    }

    @Test func optimizerClaims() throws {
        let lab = OptimizerLab(steps: 1000)
        let table = lab.stepsToTolerance()
        let q = try #require(table["quadratic"]), r = try #require(table["rosenbrock"])
        // On the ill-conditioned quadratic, Nesterov (both forms) needs far fewer steps than plain GD, and the
        // two forms differ by the one step between the iterate and its look-ahead point.
        let gd = try #require(q[.gd] ?? nil), nesterov = try #require(q[.nesterov] ?? nil)
        let lookAhead = try #require(q[.nesterovLookAhead] ?? nil)
        #expect(nesterov * 2 < gd)
        #expect(abs(lookAhead - nesterov) <= 1)
        // In Rosenbrock's valley momentum reaches the tolerance within 1000 steps and plain GD does not.
        #expect((r[.momentum] ?? nil) != nil && (r[.gd] ?? nil) == nil)
        // The saddle: everyone escapes towards a minimum.
        #expect(table["saddle"]!.values.allSatisfy { $0 != nil })
        #expect(throws: DescentError.self) { try LabOptimizer.named("lbfgs") }
        #expect(throws: DescentError.self) { try LabSurface.named("himmelblau") }
        let small = OptimizerLab(optimizers: [.gd, .adam], surfaces: [.beale])
        let result = try small.run(LabOptions(quick: true))
        #expect(result.plots.map(\.name) == ["beale-paths", "beale-loss"])
        let svg = try parseXML(result.plots[0].plot.svg())
        #expect(svg.all("g").filter { $0.cls == "series" }.count == 4)  // gd, adam, start, minimum
        #expect(result.summary.contains("beale"))
    }

    @Test func decayClaims() {
        // 2000 steps: 1/k ends well below the fixed rate's noise floor; reduce-on-plateau cuts the rate at least once.
        let results = DecayLab().outcomes(seed: 0, steps: 2000)
        let byName = Dictionary(uniqueKeysWithValues: results.map { ($0.schedule, $0) })
        let fixed = byName[.fixed]!, inverse = byName[.inverse]!, plateau = byName[.plateau]!
        #expect(inverse.finalExcess * 10 < fixed.finalExcess)
        #expect(fixed.rates.allSatisfy { $0 == 0.05 })
        #expect(abs(inverse.rates.last! - 1 / (20 + 1999.0)) < 1e-12)
        #expect(!plateau.reductions.isEmpty && plateau.rates.last! < 0.05)
        #expect(byName[.step]!.rates.last! == 0.05 * 0.5 * 0.5 * 0.5)
        let result = DecayLab(steps: 600).run(LabOptions(quick: true))
        #expect(result.summary.contains("Lowest final excess"))
        #expect(result.plots.map(\.name) == ["loss", "rates"])
    }

    @Test func weightDecayClaims() throws {
        let lab = WeightDecayLab(alphas: [0.001, 0.01, 0.1, 1, 10, 100, 1000])
        let o = lab.outcome(seed: 0)
        // Ridge's closed form and gradient descent with L2 (SGD's weightDecay) agree to 1e-4 at every checked α.
        #expect(o.agreement.count == 4)
        #expect(o.agreement.allSatisfy { $0.difference < 1e-4 })
        // Shrinkage: ‖w‖ falls along the path; training error rises with α; the held-out pick is interior and
        // beats the smallest α on the test set.
        let norms = o.path.map { $0.reduce(0) { $0 + $1 * $1 } }
        #expect(zip(norms, norms.dropFirst()).allSatisfy { $0 > $1 })
        #expect(zip(o.trainError, o.trainError.dropFirst()).allSatisfy { $0 <= $1 })
        #expect(o.picked > 0 && o.picked < 6)
        #expect(o.testError[o.picked] < o.testError[0])
        #expect(!o.signChanges.isEmpty)
        let svg = try parseXML(lab.run(LabOptions()).plots[0].plot.svg())
        #expect((1...10).allSatisfy { j in svg.all("text").contains { $0.text == "w\(j)" } })
    }

    @Test func batchClaims() throws {
        let lab = BatchLab(trainSamples: 400, testSamples: 400, epochs: 3, scalingBatches: [8, 128], scalingEpochs: 2)
        let runs = lab.methodRuns(seed: 0)
        #expect(runs.map(\.updatesPerEpoch) == [1, 400, 13])
        #expect(runs.allSatisfy { $0.trainLoss.count == 4 && abs($0.trainLoss[0] - log(4.0)) < 1e-6 })
        // After one epoch, 400 small updates (SGD) are ahead of one full-batch update.
        #expect(runs[1].trainLoss[1] < runs[0].trainLoss[1])
        #expect(runs.allSatisfy { $0.trainLoss.last! < $0.trainLoss[0] && $0.testAccuracy > 0.25 })
        // With the rate fixed, batch 128 does worse than batch 8 after the same epochs; scaled, it does not.
        let scaling = lab.scalingRuns(seed: 0)
        #expect(scaling[1].fixed < scaling[0].fixed)
        #expect(scaling[1].scaled > scaling[1].fixed)
        let result = BatchLab(
            trainSamples: 200, testSamples: 100, epochs: 2, scalingBatches: [8, 32], scalingEpochs: 1
        )
        .run(LabOptions(quick: true))
        #expect(result.plots.map(\.name) == ["loss-epochs", "loss-time", "batch-size"])
        let svg = try parseXML(result.plots[0].plot.svg())
        #expect(
            ["batch GD", "SGD (batch 1)", "mini-batch 32"].allSatisfy { n in svg.all("text").contains { $0.text == n } }
        )
    }

    @Test func earlyStoppingClaims() throws {
        let lab = EarlyStoppingLab(
            trainSamples: 60, heldOutSamples: 300, hidden: [64], epochs: 60, patience: 5, lr: 3e-3)
        let full = try lab.train(seed: 0, earlyStopping: false)
        // The small network overfits the 60 noisy samples: validation loss turns up while training loss falls.
        #expect(full.epochsRun == 60 && full.restoredEpoch == nil)
        #expect(full.validationLoss.last! > full.validationLoss[full.bestEpoch - 1] * 1.2)
        #expect(full.trainLoss.last! < full.trainLoss[full.bestEpoch - 1])
        // Early stopping stops `patience + 1` epochs after the best one and restores it.
        let stopped = try lab.train(seed: 0, earlyStopping: true)
        #expect(stopped.epochsRun < 60)
        #expect(stopped.restoredEpoch == stopped.bestEpoch)
        #expect(stopped.epochsRun == stopped.bestEpoch + 6)
        #expect(stopped.bestEpoch == full.bestEpoch)  // same start, same batches: the same curve up to the stop
    }

    @Test func dropoutClaims() throws {
        // The two dropout forms are the same model: outputs agree to 1e-6 (exactly for p = 0.5, a power of two).
        let model = Models.mlp([6, 16, 16, 2], dropout: 0.5, generator: RandomGenerator(seed: 1))
        let x = RandomGenerator(seed: 2).normal([32, 6])
        let half = DropoutLab.formsAgree(model: model, inputs: x, p: 0.5, seed: 3)
        #expect(half.train == 0 && half.test == 0)
        let fifth = DropoutLab.formsAgree(model: model, inputs: x, p: 0.2, seed: 3)
        #expect(fifth.train <= 1e-6 && fifth.test <= 1e-6)
        // A small over-parameterised MLP on 60 noisy samples: dropout narrows the train/validation gap.
        let lab = DropoutLab(
            setup: EarlyStoppingLab(trainSamples: 60, heldOutSamples: 300, hidden: [64, 64], epochs: 40, lr: 3e-3))
        let plain = try lab.train(seed: 0, dropout: 0).0, dropped = try lab.train(seed: 0, dropout: 0.5).0
        #expect(plain.trainLoss.count == 40 && dropped.trainLoss.count == 40)
        #expect(dropped.gap < plain.gap)
        #expect(dropped.finalTrainLoss > plain.finalTrainLoss)
    }

    @Test func clippingClaims() {
        // Exploding gradients blow the unclipped run up; clipping by value (θ = 5) and by norm keep it finite.
        let lab = ClippingLab(depth: 16, width: 32, steps: 30)
        let none = lab.train(.none, seed: 0), value = lab.train(.value, seed: 0), norm = lab.train(.norm, seed: 0)
        #expect(none.blewUpAt != nil)
        #expect(value.blewUpAt == nil && value.losses.count == 30 && value.losses.allSatisfy(\.isFinite))
        #expect(norm.blewUpAt == nil && norm.losses.last! < norm.losses[0])
        #expect(none.gradientNorms.max()! > 100 * none.gradientNorms[0])
    }

    @Test func batchNormClaims() throws {
        let lab = BatchNormLab(data: BatchLab(trainSamples: 400, testSamples: 200), hidden: [32, 32], epochs: 3)
        // At lr 2 the plain MLP does not learn; with batch norm it does.
        let (plainHigh, _) = try lab.train(batchNorm: false, lr: 2, seed: 0)
        let (normHigh, model) = try lab.train(batchNorm: true, lr: 2, seed: 0)
        #expect(normHigh.trainLoss.last! < plainHigh.trainLoss.last! - 0.2)
        #expect(normHigh.testAccuracy > plainHigh.testAccuracy)
        // Eval mode uses the running statistics: the formula by hand matches the layer.
        let sets = lab.data.data(seed: 0)
        let stats = BatchNormLab.runningStatistics(model, inputs: Tensor(sets.train.x, shape: [400, 20]))
        #expect(stats.formula < 1e-5)
        #expect(stats.mean.isFinite && stats.variance.isFinite)
        // After batch norm every hidden layer's pre-activations are about zero-mean with unit spread.
        for layer in BatchNormLab.hiddenActivations(model, Tensor(sets.test.x, shape: [200, 20])) {
            let m = layer.reduce(0) { $0 + Double($1) } / Double(layer.count)
            #expect(abs(m) < 0.5)
        }
    }

    @Test func augmentationRunsEverySeedBothWays() throws {
        // The generated shapes (no data needed); the accuracy claim itself is reported as measured by
        // `descent lab augmentation`, not asserted: at this size it is noise.
        let lab = AugmentationLab(trainSamples: 100, testSamples: 100, seeds: 2, epochs: 2, preferMNIST: false)
        let r = try lab.accuracies()
        #expect(r.data == "generated shapes")
        #expect(r.plain.count == 2 && r.augmented.count == 2)
        #expect((r.plain + r.augmented).allSatisfy { $0.count == 2 && $0.allSatisfy { $0 >= 0 && $0 <= 1 } })
        let spread = AugmentationLab.meanAndSpread([0.5, 0.7])
        #expect(abs(spread.mean - 0.6) < 1e-12 && abs(spread.std - 0.1) < 1e-12)
        let svg = try parseXML(try lab.run(LabOptions(quick: true)).plots[0].plot.svg())
        #expect(svg.all("path").filter { $0.cls == "band" }.count == 2)
    }

    @Test func writerAndIndex() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("lab-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let result = LearningRateLab(steps: 30).run(LabOptions(quick: true))
        let written = try LabWriter.write(result, to: folder)
        #expect(written.contains("loss.svg") && written.contains("paths.svg") && written.contains("summary.txt"))
        let listed = try LabWriter.writeIndex(in: folder)
        #expect(listed == [.lr])
        let html = try String(contentsOf: folder.appendingPathComponent("index.html"), encoding: .utf8)
        #expect(html.contains("src=\"lr/loss.svg\"") && html.contains("src=\"lr/paths.svg\""))
        #expect(!html.contains("id=\"optimizers\""))
        let summary = try String(contentsOf: folder.appendingPathComponent("lr/summary.txt"), encoding: .utf8)
        #expect(summary == result.summary)
    }
}
