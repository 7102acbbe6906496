import Descent

/// Mirrors an image left–right with probability `p` (torchvision's `RandomHorizontalFlip`):
/// `out[c, i, j] = in[c, i, W−1−j]`. One uniform draw `u` from the sample's generator; flips when `u < p`.
public struct RandomHorizontalFlip: Transform {
    /// Probability of flipping, in [0, 1].
    public let p: Float

    /// torchvision's `RandomHorizontalFlip` default `p`, 0.5.
    public static let defaultP: Float = 0.5

    /// A horizontal flip applied with probability `p` (default 0.5).
    public init(p: Float = defaultP) {
        precondition(p >= 0 && p <= 1, "RandomHorizontalFlip: p = \(p) is not a probability")
        self.p = p
    }

    /// The sample with its image flipped left–right with probability `p`.
    ///
    /// - Throws: ``DescentError`` of kind `.shape` when the input is not `[C, H, W]` or `[H, W]`.
    public func callAsFunction(_ sample: Sample, generator: RandomGenerator) throws -> Sample {
        _ = try ImageLayout(sample.input, transform: "RandomHorizontalFlip")
        guard generator.uniformFloat() < p else { return sample }
        return Sample(input: try RandomHorizontalFlip.flip(sample.input), target: sample.target)
    }

    /// `image` mirrored left–right: `out[c, i, j] = in[c, i, W−1−j]`.
    public static func flip(_ image: Tensor) throws -> Tensor {
        let l = try ImageLayout(image, transform: "RandomHorizontalFlip")
        let w = l.width
        var out = Tensor.zeros(image.shape)
        image.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for row in 0..<(l.channels * l.height) {
                    let base = row * w
                    for j in 0..<w { dst[base + j] = src[base + w - 1 - j] }
                }
            }
        }
        return out
    }
}
