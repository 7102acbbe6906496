import Descent
import DescentData
import DescentTrain
import Foundation

/// `w2_trainer`: the gap between `descent train` and the bare training step, measured in one process. The W2 CNN
/// with Adam (lr 1e-3), batch 64, trained (a) by the real ``Trainer`` — its default callbacks, one epoch of
/// `images` in-memory MNIST-shaped images through a ``DataLoader`` that shuffles and normalises each sample on
/// `workers` threads (1, or 0: on the training thread), as `descent train examples/mnist-cnn.yaml` does — and (b)
/// by the bare step of ``ModelWorkloads`` with the same optimizer on fixed batches. Each is measured `rounds` times, alternating, after a warm-up; the
/// best round of each counts. `samples_per_s` is the trainer's (a whole epoch, loading included), next to
/// `bare_samples_per_s` and `trainer_over_bare` = trainer / bare.
enum TrainerWorkload {
    /// Runs the workload and returns its result line.
    static func run(images: Int = 6_400, batch: Int = 64, rounds: Int = 3, workers: Int = 1) throws -> BenchResult {
        let gen = RandomGenerator(seed: 0)
        let pixels = gen.uniform([images, 1, 28, 28])
        let labels = (0..<images).map { _ in gen.integer(in: 0..<10) }
        let loader = DataLoader(
            TensorDataset(inputs: pixels, labels: labels), batchSize: .size(batch), shuffle: true, seed: 0,
            transform: Compose(Normalize(mean: [0.1307], std: [0.3081])), workers: workers)
        RandomGenerator.manualSeed(0)
        let model = Models.cnn()
        let trainer = Trainer(model: model, optimizer: Adam(model.parameters(), lr: 1e-3))
        RandomGenerator.manualSeed(0)
        let bareModel = Models.cnn()
        let bareOptimizer = Adam(bareModel.parameters(), lr: 1e-3)
        let steps = loader.batchesPerEpoch
        var epochs = 1
        try trainer.fit(loader, epochs: epochs)
        var best: (wall: Double, cpu: Double) = (.infinity, .infinity)
        var bare = 0.0, bareCPU = Double.infinity
        for _ in 0..<rounds {
            let b = ModelWorkloads.train(
                "w2_adam", bareModel, bareOptimizer, input: [1, 28, 28], batch: batch, steps: steps)
            bare = max(bare, b.value("samples_per_s") ?? 0)
            bareCPU = min(bareCPU, b.value("cpu_ms_per_step") ?? .infinity)
            epochs += 1
            let t = try measureWallAndCPUSeconds { try trainer.fit(loader, epochs: epochs) }
            if t.wall < best.wall { best.wall = t.wall }
            if t.cpu < best.cpu { best.cpu = t.cpu }
        }
        let samples = Double(steps * batch)
        return BenchResult(
            workload: "w2_trainer",
            fields: [
                ("samples_per_s", samples / best.wall), ("ms_per_step", 1000 * best.wall / Double(steps)),
                ("steps", steps), ("batch", batch), ("cpu_ms_per_step", 1000 * best.cpu / Double(steps)),
                ("bare_samples_per_s", bare), ("bare_cpu_ms_per_step", bareCPU),
                ("trainer_over_bare", samples / best.wall / bare),
            ])
    }
}
