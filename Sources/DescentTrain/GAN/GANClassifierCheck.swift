import Descent
import DescentData
import Foundation

/// How often a classifier trained on real data (a `descent train` run) labels a conditional generator's samples
/// as the class they were asked for: `agreement = #{argmax f(x_i) = y_i} / N` over `N` samples with balanced
/// classes `y_i = i mod classes`, `x_i = (G(z_i, y_i) + 1) / 2` (normalised as the classifier's run was).
public struct GANClassifierCheck: Sendable, Equatable {
    /// Samples classified.
    public var samples: Int
    /// The share labelled as intended.
    public var agreement: Double
    /// The share per intended class.
    public var perClass: [Double]

    /// Classifies `count` samples of the conditional generator in `generatorRun` with the classifier of
    /// `classifierRun`, noise seeded by `seed`.
    ///
    /// - Throws: ``DescentError`` when a folder is not a finished run of the right kind, the generator is
    ///   unconditional, or the classifier does not take the generator's images or classes.
    public static func run(generatorRun: URL, classifierRun: URL, count: Int, seed: UInt64 = 0) throws
        -> GANClassifierCheck
    {
        guard count >= 1 else { throw DescentError(.argument, "--count \(count)", "must be at least 1") }
        let (manifest, generator) = try GANManifest.loadGenerator(from: generatorRun)
        guard manifest.classes > 0 else {
            throw DescentError(
                .argument, generatorRun.path, "holds an unconditional generator: its samples carry no labels")
        }
        let folder = RunFolder(classifierRun.path)
        try folder.requireFinished(option: "--classifier", manifest: true, weights: true)
        let run = try RunManifest.read(from: folder.directory)
        let config = try TrainingConfig.load(contentsOf: folder.directory.appendingPathComponent("config.yaml"))
        let shape = [manifest.channels, manifest.side, manifest.side]
        guard run.inputShape == shape, run.classes == manifest.classes else {
            throw DescentError(
                .argument, classifierRun.path,
                "classifies \(run.inputShape) inputs into \(run.classes.map(String.init) ?? "no") classes; the generator makes \(shape) images of \(manifest.classes) classes"
            )
        }
        let classifier = try config.model.makeModel(inputShape: run.inputShape, classes: run.outputs)
        try classifier.loadWeights(from: folder.directory.appendingPathComponent("model.safetensors"))
        _ = classifier.eval()
        let sampler = GANSampler(generator: generator)
        let (images, labels) = sampler.sample(count, random: RandomGenerator(seed: seed))
        var right = [Int](repeating: 0, count: manifest.classes), asked = right
        withNoGrad {
            var start = 0
            while start < count {
                let end = Swift.min(count, start + 256)
                var x = images.slice(axis: 0, start..<end)
                if let mean = run.normalizeMean, let std = run.normalizeStd {
                    x = normalized(x, mean: mean, std: std)
                }
                let predicted = classifier(x).argmax(axis: 1)
                for (i, p) in predicted.enumerated() {
                    let y = labels[start + i]
                    asked[y] += 1
                    if p == y { right[y] += 1 }
                }
                start = end
            }
        }
        return GANClassifierCheck(
            samples: count, agreement: Double(right.reduce(0, +)) / Double(count),
            perClass: zip(right, asked).map { Double($0) / Double(Swift.max($1, 1)) })
    }

    /// `(x − mean_c) / std_c` per channel c of a batch `[N, C, H, W]` (one pair for all channels, or one per channel).
    static func normalized(_ x: Tensor, mean: [Float], std: [Float]) -> Tensor {
        var y = x.clone()
        let channels = x.shape[1], perChannel = x.count / Swift.max(x.shape[0] * channels, 1)
        y.withUnsafeMutableBufferPointer { p in
            for i in 0..<p.count {
                let k = mean.count == 1 ? 0 : (i / perChannel) % channels
                p[i] = (p[i] - mean[k]) / std[k]
            }
        }
        return y
    }
}
