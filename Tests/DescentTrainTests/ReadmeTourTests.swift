import Descent
import DescentData
import DescentTrain
import Foundation
import Testing

/// The README's "Writing a callback" example.
final class StopIfSlow: TrainingCallback {
    let steps: Int, limit: Double
    init(steps: Int, limit: Double) { (self.steps, self.limit) = (steps, limit) }
    func stepDidEnd(_ state: inout TrainingState) {
        if state.step == steps, state.epochLoss > limit {
            state.stop(reason: "loss \(state.epochLoss) at step \(steps)")
        }
    }
}

/// The README's 30-second tour, run as written (with fewer samples and epochs so that it is quick).
@Suite struct ReadmeTourTests {
    @Test func callbackExampleStopsAfterTheEpoch() throws {
        let model = Models.mlp([2, 4, 3], generator: RandomGenerator(seed: 5))
        let trainer = Trainer(model: model, optimizer: SGD(model.parameters(), lr: 0.1))
        trainer.callbacks.append(StopIfSlow(steps: 2, limit: 0))
        let history = try trainer.fit(DataLoader(blobs(count: 30, seed: 1), batchSize: 10), epochs: 3)
        #expect(history.epochs.count == 1 && trainer.step == 3)
        #expect(
            history.stoppedEarly?.hasPrefix("loss ") == true && history.stoppedEarly?.hasSuffix(" at step 2") == true)
    }

    @Test func tourRuns() throws {
        let x = Tensor.randn([4, 3]).requiringGrad()
        let y = (x.matmul(Tensor.randn([3, 2])).relu() * 2).sum()
        y.backward()
        #expect(x.grad!.shape == [4, 3])

        let model = Models.cnn(batchNorm: true, dropout: true)
        let data = try GeneratedShapes(count: 300, seed: 0).randomSplit([0.9, 0.1], seed: 0, stratified: true)
        let trainer = Trainer(model: model, optimizer: Adam(model.parameters(), lr: 1e-3))
        trainer.callbacks += [
            LearningRateScheduler(CosineAnnealingLR(baseLR: 1e-3, tMax: 2)),
            ProgressPrinter(live: false, write: { _ in }), EarlyStopping(monitor: .validationLoss, patience: 3),
        ]
        let history = try trainer.fit(
            DataLoader(data[0], batchSize: 64, shuffle: true, seed: 0, workers: 1),
            validation: DataLoader(data[1], batchSize: 256), epochs: 2)
        #expect(history.epochs.count == 2)
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("tour-\(UUID()).safetensors")
        defer { try? FileManager.default.removeItem(at: url) }
        try model.saveWeights(to: url)
        #expect(try SafeTensors.read(from: url).contains { $0.name == "1.running_mean" })

        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("tour-\(UUID())")
        defer { try? FileManager.default.removeItem(at: folder) }
        let config = try TrainingConfig.load(
            contentsOf: root.appendingPathComponent("examples/shapes-layers.yaml"),
            overrides: [
                "training.epochs=1", "output=\(folder.path)",
                "data.train_samples=300", "data.test_samples=100",
            ])
        var run = TrainingRun(config: config)
        run.write = { _ in }
        let outcome = try run.start()
        #expect(outcome.test?.accuracy != nil)
        #expect(FileManager.default.fileExists(atPath: folder.appendingPathComponent("report.html").path))
    }
}
