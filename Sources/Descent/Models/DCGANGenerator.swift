/// The DCGAN generator for `channels × side × side` images (`side` divisible by 4), as PyTorch's DCGAN example
/// scaled to small images, in a `Sequential` named `main` (state-dict keys `main.0.weight`, …):
///
///     ConvTranspose2d(latent + classes → 2f, k = side/4, s 1, p 0)  → [2f, side/4, side/4], BatchNorm2d, ReLU
///     ConvTranspose2d(2f → f, k 4, s 2, p 1)                        → [f, side/2, side/2],  BatchNorm2d, ReLU
///     ConvTranspose2d(f → channels, k 4, s 2, p 1)                  → [channels, side, side], Tanh
///
/// (`f` = `features`, no convolution biases). With `classes > 0` the generator is class-conditional: its input is
/// the noise followed by the one-hot label (``DCGAN/conditioned(noise:labels:classes:)``). Initialised with
/// ``DCGAN/initialize(_:generator:)``. Outputs lie in (−1, 1).
public final class DCGANGenerator: Module {
    /// Length of the noise vector z.
    public let latent: Int
    /// Classes of the conditional variant (0: unconditional).
    public let classes: Int
    /// Base width f (the last hidden layer's channels).
    public let features: Int
    /// Channels of the images.
    public let channels: Int
    /// Height and width of the images.
    public let side: Int
    /// The layers.
    public let main: Sequential

    /// A generator of `channels × side × side` images from `latent` noise values (+ `classes` one-hot values),
    /// with DCGAN's initialisation drawn from `generator`.
    public init(
        latent: Int = 100, classes: Int = 0, features: Int = 64, channels: Int = 1, side: Int = 28,
        generator: RandomGenerator = .default
    ) {
        precondition(latent >= 1 && classes >= 0 && features >= 1 && channels >= 1, "DCGANGenerator: bad sizes")
        precondition(side >= 4 && side % 4 == 0, "DCGANGenerator: side \(side) must be a positive multiple of 4")
        (self.latent, self.classes, self.features, self.channels, self.side) = (
            latent, classes, features, channels, side
        )
        main = Sequential(
            ConvTranspose2d(latent + classes, 2 * features, kernelSize: Size2D(side / 4), bias: false),
            BatchNorm2d(2 * features), ReLU(),
            ConvTranspose2d(2 * features, features, kernelSize: 4, stride: 2, padding: 1, bias: false),
            BatchNorm2d(features), ReLU(),
            ConvTranspose2d(features, channels, kernelSize: 4, stride: 2, padding: 1, bias: false),
            Tanh())
        super.init()
        DCGAN.initialize(self, generator: generator)
    }

    /// Images `[N, channels, side, side]` from an already conditioned input `[N, latent + classes]` or
    /// `[N, latent + classes, 1, 1]`.
    public override func callAsFunction(_ z: Tensor) -> Tensor {
        main(z.rank == 2 ? z.reshaped([z.shape[0], z.shape[1], 1, 1]) : z)
    }

    /// Images for `noise` `[N, latent]` and, for a conditional generator, one label per row (ignored, and may be
    /// empty, for an unconditional one).
    public func callAsFunction(noise: Tensor, labels: [Int]) -> Tensor {
        self(classes > 0 ? DCGAN.conditioned(noise: noise, labels: labels, classes: classes) : noise)
    }

    /// `[N, channels, side, side]` for an input `[N, latent + classes]` or `[N, latent + classes, 1, 1]`.
    public override func outputShape(for inputShape: [Int]) throws -> [Int] {
        let inputs = latent + classes
        guard inputShape == [inputShape.first ?? 0, inputs] || inputShape == [inputShape.first ?? 0, inputs, 1, 1]
        else {
            throw shapeError("expects input [N, \(inputs)] or [N, \(inputs), 1, 1], got \(inputShape)")
        }
        return [inputShape[0], channels, side, side]
    }

    /// The sizes.
    public override var extraDescription: String {
        "latent=\(latent), classes=\(classes), features=\(features), channels=\(channels), side=\(side)"
    }
}
