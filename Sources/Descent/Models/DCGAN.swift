/// Shared pieces of the DCGAN pair (Radford et al. 2016, as in PyTorch's DCGAN example): the initialisation and
/// the one-hot label channels of the class-conditional variant.
public enum DCGAN {
    /// The standard deviation of the initial convolution weights and batch-norm scales, 0.02.
    public static let initStd: Float = 0.02
    /// The negative slope of the discriminator's leaky ReLUs, 0.2.
    public static let leakySlope: Float = 0.2

    /// PyTorch's DCGAN `weights_init`, applied in module order: every `Conv2d` and `ConvTranspose2d` weight drawn
    /// from `N(0, 0.02²)`, every batch-norm weight from `N(1, 0.02²)` and its bias set to 0.
    public static func initialize(_ model: Module, generator: RandomGenerator = .default) {
        for (_, m) in model.namedModules() {
            if let conv = m as? Conv2d {
                Initializer.normal(mean: 0, std: initStd).fill(conv.weight, generator: generator)
            } else if let conv = m as? ConvTranspose2d {
                Initializer.normal(mean: 0, std: initStd).fill(conv.weight, generator: generator)
            } else if let bn = m as? BatchNorm, let weight = bn.weight, let bias = bn.bias {
                Initializer.normal(mean: 1, std: initStd).fill(weight, generator: generator)
                Initializer.zeros.fill(bias)
            }
        }
    }

    /// The generator's conditioned input: `noise` `[N, latent]` (or `[N, latent, 1, 1]`) followed by the one-hot
    /// rows of `labels` (`classes` columns), as `[N, latent + classes, 1, 1]`.
    public static func conditioned(noise: Tensor, labels: [Int], classes: Int) -> Tensor {
        precondition(noise.shape[0] == labels.count, "DCGAN: \(labels.count) labels for \(noise.shape[0]) noise rows")
        let z = noise.reshaped([noise.shape[0], noise.count / max(noise.shape[0], 1)])
        return Tensor.concatenate([z, Tensor.oneHot(labels, classes: classes)], axis: 1)
            .reshaped([noise.shape[0], z.shape[1] + classes, 1, 1])
    }

    /// The discriminator's conditioned input: `images` `[N, C, H, W]` followed by `classes` constant channels,
    /// channel `labels[n]` of sample `n` all ones and the others zeros, as `[N, C + classes, H, W]`.
    public static func conditioned(images: Tensor, labels: [Int], classes: Int) -> Tensor {
        precondition(images.rank == 4, "DCGAN: images must be [N, C, H, W], got \(images.shape)")
        precondition(images.shape[0] == labels.count, "DCGAN: \(labels.count) labels for \(images.shape[0]) images")
        let (n, h, w) = (images.shape[0], images.shape[2], images.shape[3])
        let maps = Tensor.oneHot(labels, classes: classes).reshaped([n, classes, 1, 1]).expanded(to: [n, classes, h, w])
        return Tensor.concatenate([images, maps], axis: 1)
    }
}
