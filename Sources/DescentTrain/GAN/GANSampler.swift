import Descent
import DescentData
import Foundation

/// Images from a trained generator, with the classes they were asked for: `x = (G(z, y) + 1) / 2` in [0, 1]
/// (the datasets' pixel range), generated in eval mode without gradients, in batches.
public struct GANSampler {
    /// The generator (used in eval mode; its mode is restored).
    public let generator: DCGANGenerator
    /// Images per forward pass.
    public var batchSize = 256

    /// A sampler of `generator`.
    public init(generator: DCGANGenerator) {
        self.generator = generator
    }

    /// The classes of `count` samples, balanced: `i mod classes` (empty for an unconditional generator).
    public func balancedLabels(_ count: Int) -> [Int] {
        generator.classes > 0 ? (0..<count).map { $0 % generator.classes } : []
    }

    /// `count` images `[count, C, H, W]` in [0, 1] for `labels` (one per image for a conditional generator;
    /// balanced when `nil`), with noise drawn from `random`.
    public func sample(_ count: Int, labels: [Int]? = nil, random: RandomGenerator) -> (images: Tensor, labels: [Int]) {
        precondition(count >= 0, "GANSampler: count must be non-negative")
        let labels = labels ?? balancedLabels(count)
        precondition(generator.classes == 0 || labels.count == count, "GANSampler: one label per sample")
        let z = random.normal([count, generator.latent])
        return (images(noise: z, labels: labels), labels)
    }

    /// The images in [0, 1] for fixed `noise` `[N, latent]` and `labels`.
    public func images(noise: Tensor, labels: [Int]) -> Tensor {
        let mode = generator.isTraining
        _ = generator.eval()
        defer { _ = generator.train(mode) }
        let n = noise.shape[0]
        var parts: [Tensor] = []
        withNoGrad {
            var start = 0
            while start < n {
                let end = Swift.min(n, start + batchSize)
                let z = noise.slice(axis: 0, start..<end)
                let y = generator.classes > 0 ? Array(labels[start..<end]) : []
                parts.append(((generator(noise: z, labels: y) + 1) * 0.5).clamp(min: 0, max: 1))
                start = end
            }
        }
        return parts.isEmpty
            ? Tensor.zeros([0, generator.channels, generator.side, generator.side]) : Tensor.concatenate(parts)
    }

    /// A PNG grid of `images` (`[N, 1, H, W]` in [0, 1]) with `columns` per row (for a conditional sample with
    /// balanced labels and `columns` = classes, each column one class).
    public static func grid(_ images: Tensor, columns: Int) -> Data {
        let n = images.shape[0]
        return ImageGrid(images: (0..<n).map { images.slice(axis: 0, $0..<($0 + 1)).squeezed(0) }, columns: columns)
            .png()
    }

    /// The mean over pixels of the variance across samples of each pixel, `mean_p var_n x[n, p]` (0 for a
    /// generator that ignores its noise): the integration check's "not constant" figure.
    public static func pixelVariance(_ images: Tensor) -> Double {
        let n = images.shape[0]
        guard n > 1 else { return 0 }
        let flat = images.reshaped([n, images.count / n])
        return Double(flat.variance(axis: 0, correction: 0).mean().item)
    }
}
