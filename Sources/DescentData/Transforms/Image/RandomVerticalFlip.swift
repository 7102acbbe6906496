import Descent

/// Mirrors an image top–bottom with probability `p` (torchvision's `RandomVerticalFlip`):
/// `out[c, i, j] = in[c, H−1−i, j]`. One uniform draw `u` from the sample's generator; flips when `u < p`.
public struct RandomVerticalFlip: Transform {
    /// Probability of flipping, in [0, 1].
    public let p: Float

    /// torchvision's `RandomVerticalFlip` default `p`, 0.5.
    public static let defaultP: Float = 0.5

    /// A vertical flip applied with probability `p` (default 0.5).
    public init(p: Float = defaultP) {
        precondition(p >= 0 && p <= 1, "RandomVerticalFlip: p = \(p) is not a probability")
        self.p = p
    }

    /// The sample with its image flipped top–bottom with probability `p`.
    ///
    /// - Throws: ``DescentError`` of kind `.shape` when the input is not `[C, H, W]` or `[H, W]`.
    public func callAsFunction(_ sample: Sample, generator: RandomGenerator) throws -> Sample {
        _ = try ImageLayout(sample.input, transform: "RandomVerticalFlip")
        guard generator.uniformFloat() < p else { return sample }
        return Sample(input: try RandomVerticalFlip.flip(sample.input), target: sample.target)
    }

    /// `image` mirrored top–bottom: `out[c, i, j] = in[c, H−1−i, j]`.
    public static func flip(_ image: Tensor) throws -> Tensor {
        let l = try ImageLayout(image, transform: "RandomVerticalFlip")
        let h = l.height, w = l.width
        var out = Tensor.zeros(image.shape)
        image.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for ch in 0..<l.channels {
                    for i in 0..<h {
                        let d = (ch * h + i) * w, s = (ch * h + h - 1 - i) * w
                        for j in 0..<w { dst[d + j] = src[s + j] }
                    }
                }
            }
        }
        return out
    }
}
