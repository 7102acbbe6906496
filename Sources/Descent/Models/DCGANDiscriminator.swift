/// The DCGAN discriminator for `channels × side × side` images (`side` divisible by 4), as PyTorch's DCGAN
/// example scaled to small images, in a `Sequential` named `main` (state-dict keys `main.0.weight`, …):
///
///     Conv2d(channels + classes → f, k 4, s 2, p 1)  → [f, side/2, side/2],  LeakyReLU(0.2)
///     Conv2d(f → 2f, k 4, s 2, p 1)                  → [2f, side/4, side/4], [BatchNorm2d], LeakyReLU(0.2)
///     Conv2d(2f → 1, k side/4, s 1, p 0)             → one logit per image
///
/// (`f` = `features`, no convolution biases). Its output is the logit `D(x)` (the probability that `x` is real
/// is `σ(D(x))`), for ``Descent/BCEWithLogitsLoss``. With `classes > 0` it is class-conditional: the image is
/// followed by one-hot label channels (``DCGAN/conditioned(images:labels:classes:)``). Initialised with
/// ``DCGAN/initialize(_:generator:)``.
public final class DCGANDiscriminator: Module {
    /// Classes of the conditional variant (0: unconditional).
    public let classes: Int
    /// Base width f (the first layer's channels).
    public let features: Int
    /// Channels of the images.
    public let channels: Int
    /// Height and width of the images.
    public let side: Int
    /// Whether the middle layer has batch norm.
    public let batchNorm: Bool
    /// The layers.
    public let main: Sequential

    /// A discriminator of `channels × side × side` images (+ `classes` label channels), with DCGAN's
    /// initialisation drawn from `generator`.
    public init(
        classes: Int = 0, features: Int = 64, channels: Int = 1, side: Int = 28, batchNorm: Bool = true,
        generator: RandomGenerator = .default
    ) {
        precondition(classes >= 0 && features >= 1 && channels >= 1, "DCGANDiscriminator: bad sizes")
        precondition(side >= 4 && side % 4 == 0, "DCGANDiscriminator: side \(side) must be a positive multiple of 4")
        (self.classes, self.features, self.channels, self.side, self.batchNorm) = (
            classes, features, channels, side, batchNorm
        )
        var layers: [Module] = [
            Conv2d(channels + classes, features, kernelSize: 4, stride: 2, padding: 1, bias: false),
            LeakyReLU(negativeSlope: DCGAN.leakySlope),
            Conv2d(features, 2 * features, kernelSize: 4, stride: 2, padding: 1, bias: false),
        ]
        if batchNorm { layers.append(BatchNorm2d(2 * features)) }
        layers += [
            LeakyReLU(negativeSlope: DCGAN.leakySlope),
            Conv2d(2 * features, 1, kernelSize: Size2D(side / 4), bias: false),
        ]
        main = Sequential(layers)
        super.init()
        DCGAN.initialize(self, generator: generator)
    }

    /// The logits `[N]` of already conditioned inputs `[N, channels + classes, side, side]`.
    public override func callAsFunction(_ x: Tensor) -> Tensor {
        let out = main(x)
        return out.reshaped([out.shape[0]])
    }

    /// The logits `[N]` of `images` `[N, channels, side, side]` with, for a conditional discriminator, one label
    /// per image (ignored, and may be empty, for an unconditional one).
    public func callAsFunction(_ images: Tensor, labels: [Int]) -> Tensor {
        self(classes > 0 ? DCGAN.conditioned(images: images, labels: labels, classes: classes) : images)
    }

    /// `[N]` for an input `[N, channels + classes, side, side]`.
    public override func outputShape(for inputShape: [Int]) throws -> [Int] {
        let c = channels + classes
        guard inputShape.count == 4, inputShape[1...] == [c, side, side] else {
            throw shapeError("expects input [N, \(c), \(side), \(side)], got \(inputShape)")
        }
        return [inputShape[0]]
    }

    /// The sizes.
    public override var extraDescription: String {
        "classes=\(classes), features=\(features), channels=\(channels), side=\(side), batch_norm=\(batchNorm)"
    }
}
