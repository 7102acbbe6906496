import Foundation
import Testing

@testable import Descent
@testable import DescentData
@testable import DescentTrain

/// A loss that is NaN on the chosen optimizer steps (counted over calls), the mean squared logits otherwise.
final class NaNInjector: @unchecked Sendable {
    var calls = 0
    let at: Set<Int>
    init(at: Set<Int>) { self.at = at }
    var objective: Objective {
        .custom { [self] out, batch in
            calls += 1
            let loss = crossEntropy(out, batch.labels!)
            return at.contains(calls) ? loss * Float.nan : loss
        }
    }
}

@Suite struct TrainerPolicyTests {
    @Test func skipPolicySkipsOnlyTheBadStep() throws {
        let model = Models.mlp([2, 4, 3])
        let injector = NaNInjector(at: [3])
        let trainer = Trainer(model: model, optimizer: SGD(model.parameters(), lr: 0.1), objective: injector.objective)
        trainer.callbacks = [NonFiniteLossGuard(.skipStep)]
        let history = try trainer.fit(DataLoader(blobs(count: 50, seed: 1), batchSize: 10), epochs: 2)
        #expect(history.epochs.count == 2)
        #expect(trainer.step == 9)  // 10 batches, one skipped
        #expect(history.stoppedEarly == nil)
    }

    @Test func stopPolicyNamesTheStepAndTheGradient() throws {
        let model = Models.mlp([2, 4, 3])
        // A finite loss whose gradient overflows: a huge weight squared.
        let trainer = Trainer(
            model: model, optimizer: SGD(model.parameters(), lr: 0.1),
            objective: .custom { out, batch in crossEntropy(out, batch.labels!) })
        let w = model.namedParameters().first { $0.0 == "2.weight" }!.1
        w.assignInPlace(Tensor.full(w.shape, 3e38))
        let history = try trainer.fit(DataLoader(blobs(count: 20, seed: 1), batchSize: 10), epochs: 1)
        let reason = try #require(history.stoppedEarly)
        #expect(reason.contains("step 1 (epoch 1, batch 1)"))
        #expect(reason.contains("loss") || reason.contains("gradient of"))
    }

    @Test func finiteScanFindsEveryNonFiniteValueAnywhere() {
        // Finite extremes pass: the largest float, the smallest subnormal, −0.
        let finite: [Float] = [0, -0.0, .greatestFiniteMagnitude, -.greatestFiniteMagnitude, .leastNonzeroMagnitude, 1]
        #expect(NonFiniteLossGuard.allFinite(Tensor(finite)))
        #expect(NonFiniteLossGuard.allFinite(Tensor.zeros([0])))
        // One non-finite value in 10,000 (three blocks of 4,096), at the start, at a block's edge and at the end.
        for bad: Float in [.nan, .infinity, -.infinity, -Float.nan] {
            for position in [0, 4095, 4096, 9_999] {
                var values = [Float](repeating: 0.5, count: 10_000)
                values[position] = bad
                #expect(!NonFiniteLossGuard.allFinite(Tensor(values)), "\(bad) at \(position)")
            }
        }
    }

    @Test func rollbackRestoresTheEpochStartAndHalvesTheRate() throws {
        let model = Models.mlp([2, 4, 3], generator: RandomGenerator(seed: 3))
        let injector = NaNInjector(at: [7])  // epoch 2, batch 2 (5 batches per epoch)
        let trainer = Trainer(model: model, optimizer: SGD(model.parameters(), lr: 0.1), objective: injector.objective)
        trainer.callbacks = [NonFiniteLossGuard(.rollback)]
        let loader = DataLoader(blobs(count: 50, seed: 1), batchSize: 10, shuffle: true, seed: 4)
        let history = try trainer.fit(loader, epochs: 3)
        #expect(history.epochs.count == 3)
        #expect(trainer.step == 15)  // the bad epoch is redone from its start: 5 + 5 + 5 steps
        #expect(history.epochs.map(\.learningRate) == [0.1, 0.05, 0.05])

        // Equal to a run that trains epoch 1 at 0.1 and then epochs 2–3 at 0.05.
        let twin = Models.mlp([2, 4, 3], generator: RandomGenerator(seed: 3))
        let plain = Trainer(model: twin, optimizer: SGD(twin.parameters(), lr: 0.1))
        final class Halve: TrainingCallback {
            func epochDidEnd(_ state: inout TrainingState, log: EpochLog) {
                if log.epoch == 1 { state.optimizer.lr = 0.05 }
            }
        }
        plain.callbacks = [Halve()]
        try plain.fit(loader, epochs: 3)
        #expect(zip(model.parameters(), twin.parameters()).allSatisfy { $0.isBitwiseEqual($1) })
    }

    @Test func rollbackGivesUpAfterMaxRollbacks() throws {
        let model = Models.mlp([2, 4, 3])
        let trainer = Trainer(
            model: model, optimizer: SGD(model.parameters(), lr: 0.1),
            objective: .custom { out, _ in out.sum() * Float.nan })
        trainer.callbacks = [NonFiniteLossGuard(.rollback, maxRollbacks: 2)]
        let history = try trainer.fit(DataLoader(blobs(count: 20, seed: 1), batchSize: 10), epochs: 2)
        #expect(history.stoppedEarly?.contains("2 rollbacks already") == true)
        #expect(abs(trainer.optimizer.lr - 0.025) < 1e-12)
    }

    @Test func reduceOnPlateauCutsTheRateAfterPatience() throws {
        let model = Models.mlp([2, 4, 3])
        // A 99% relative threshold: no epoch counts as an improvement after the first, so with patience 2
        // the third bad epoch (epoch 4) cuts the rate, and three more (epoch 7) cut it again.
        let trainer = Trainer(model: model, optimizer: SGD(model.parameters(), lr: 0.01))
        trainer.callbacks.append(PlateauScheduler(ReduceLROnPlateau(factor: 0.5, patience: 2, threshold: 0.99)))
        let history = try trainer.fit(
            DataLoader(blobs(count: 20, seed: 1), batchSize: 10),
            validation: DataLoader(blobs(count: 20, seed: 2), batchSize: 20), epochs: 7)
        let rates = history.epochs.map { $0.learningRate / 0.01 }
        #expect(rates.map { ($0 * 1e6).rounded() / 1e6 } == [1, 1, 1, 0.5, 0.5, 0.5, 0.25])
    }

    @Test func stepIntervalValidationIsLoggedAndLogsAreWritten() throws {
        let folder = temporaryFolder("logs")
        let model = Models.mlp([2, 8, 3], generator: RandomGenerator(seed: 1))
        let trainer = Trainer(model: model, optimizer: Adam(model.parameters(), lr: 0.05))
        trainer.callbacks = [
            StepValidation(every: 4), CSVLogger(url: folder.appendingPathComponent("log.csv")),
            JSONLinesLogger(url: folder.appendingPathComponent("log.jsonl")),
        ]
        let history = try trainer.fit(
            DataLoader(blobs(count: 60, seed: 1), batchSize: 10),
            validation: DataLoader(blobs(count: 30, seed: 2), batchSize: 30), epochs: 2)
        #expect(history.evaluations.map(\.step) == [4, 8, 12])
        #expect(history.evaluations.map(\.epoch) == [1, 2, 2])
        let csv = try String(contentsOf: folder.appendingPathComponent("log.csv"), encoding: .utf8)
        let rows = csv.split(separator: "\n")
        #expect(rows.count == 3 && rows[0] == Substring(CSVLogger.header))
        #expect(rows[1].hasPrefix("1,\(history.epochs[0].trainLoss),"))
        let lines = try String(contentsOf: folder.appendingPathComponent("log.jsonl"), encoding: .utf8).split(
            separator: "\n")
        #expect(lines.map { $0.hasPrefix("{\"type\":\"evaluation\"") ? "v" : "e" } == ["v", "e", "v", "v", "e"])
        for line in lines { _ = try JSONSerialization.jsonObject(with: Data(line.utf8)) }
    }

    @Test func maxStepsEndsTraining() throws {
        let model = Models.mlp([2, 4, 3])
        let trainer = Trainer(model: model, optimizer: SGD(model.parameters(), lr: 0.1))
        let history = try trainer.fit(DataLoader(blobs(count: 50, seed: 1), batchSize: 10), epochs: 10, maxSteps: 7)
        #expect(trainer.step == 7)
        #expect(history.epochs.count == 2)
    }
}
