import Descent
import Foundation

/// A GAN run folder's `gan.json`: the sizes of the pair, so that `descent gan sample` and the `data.generated`
/// option rebuild the generator from `generator.safetensors`.
public struct GANManifest: Codable, Sendable, Equatable {
    /// Length of the noise vector.
    public var latent: Int
    /// Classes of the conditional pair (0: unconditional).
    public var classes: Int
    /// The generator's base width.
    public var generatorFeatures: Int
    /// The discriminator's base width.
    public var discriminatorFeatures: Int
    /// Batch norm in the discriminator.
    public var discriminatorBatchNorm: Bool
    /// Image channels.
    public var channels: Int
    /// Image height and width.
    public var side: Int
    /// The dataset the pair learnt.
    public var dataset: String
    /// Class names, for a conditional pair.
    public var classNames: [String]?

    /// The file name in a run folder.
    public static let fileName = "gan.json"
    /// The generator's weights in a run folder.
    public static let generatorFile = "generator.safetensors"
    /// The discriminator's weights in a run folder.
    public static let discriminatorFile = "discriminator.safetensors"

    /// An untrained generator of these sizes.
    public func makeGenerator(generator: RandomGenerator = .default) -> DCGANGenerator {
        DCGANGenerator(
            latent: latent, classes: classes, features: generatorFeatures, channels: channels, side: side,
            generator: generator)
    }

    /// An untrained discriminator of these sizes.
    public func makeDiscriminator(generator: RandomGenerator = .default) -> DCGANDiscriminator {
        DCGANDiscriminator(
            classes: classes, features: discriminatorFeatures, channels: channels, side: side,
            batchNorm: discriminatorBatchNorm, generator: generator)
    }

    /// Reads `gan.json` from `folder`.
    ///
    /// - Throws: ``DescentError`` when `folder` is not a finished GAN run (no `gan.json` or no generator).
    public static func read(from folder: URL) throws -> GANManifest {
        let file = folder.appendingPathComponent(fileName)
        guard FileManager.default.fileExists(atPath: file.path) else {
            throw DescentError(
                .file, folder.path, "is not a GAN run folder (no \(fileName); train one with descent gan train)")
        }
        let manifest = try CheckpointFolder(url: folder).read(GANManifest.self, from: fileName)
        guard manifest.latent >= 1, manifest.classes >= 0, manifest.side >= 4, manifest.side % 4 == 0,
            manifest.channels >= 1, manifest.generatorFeatures >= 1, manifest.discriminatorFeatures >= 1
        else {
            throw DescentError(.file, file.path, "holds impossible model sizes")
        }
        return manifest
    }

    /// The trained generator of the run in `folder`, in eval mode.
    ///
    /// - Throws: ``DescentError`` when the folder holds no finished GAN run or its weights do not fit.
    public static func loadGenerator(from folder: URL) throws -> (GANManifest, DCGANGenerator) {
        let manifest = try read(from: folder)
        let weights = folder.appendingPathComponent(generatorFile)
        guard FileManager.default.fileExists(atPath: weights.path) else {
            throw DescentError(
                .file, folder.path, "holds no trained generator (\(generatorFile)); the run has not finished")
        }
        let g = manifest.makeGenerator()
        try g.loadWeights(from: weights)
        return (manifest, g.eval())
    }

    /// Writes `gan.json` into `folder`, atomically.
    public func write(to folder: URL) throws {
        try AtomicFile.write(try JSONFile.encode(self), to: folder.appendingPathComponent(Self.fileName))
    }
}
