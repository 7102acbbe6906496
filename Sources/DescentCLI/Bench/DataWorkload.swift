import Descent
import DescentData
import Foundation

/// `data`: one epoch of loading, shuffling and augmenting (random flip, crop with 2-pixel padding, rotation
/// up to 10°) 60,000 MNIST-sized images `[1, 28, 28]` held in memory, in batches of 128 with one worker
/// thread per core; reports images per second.
func benchData(images: Int = 60_000, batch: Int = 128) -> BenchResult {
    let inputs = RandomGenerator(seed: 0).uniform([images, 1, 28, 28])
    let data = TensorDataset(inputs: inputs, labels: (0..<images).map { $0 % 10 })
    let augment = Compose(RandomHorizontalFlip(), RandomCrop(size: 28, padding: 2), RandomRotation(degrees: 10))
    let loader = DataLoader(
        data, batchSize: .size(batch), shuffle: true, seed: 0, transform: augment,
        workers: Backend.threads)
    var seen = 0
    let dt = measureSeconds { for b in loader.epoch(0) { seen += b.count } }
    return BenchResult(
        workload: "data",
        fields: [
            ("samples_per_s", Double(seen) / dt),
            ("ms_per_step", 1000 * dt / Double(loader.batchesPerEpoch)),
            ("steps", loader.batchesPerEpoch), ("batch", batch),
        ])
}
