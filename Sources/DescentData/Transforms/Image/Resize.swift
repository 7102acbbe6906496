import Descent

/// Resizes an image `[C, H, W]` to `height × width` with antialiased bilinear interpolation (torchvision's
/// `Resize(size, antialias=True)` on tensors, which is Pillow's `BILINEAR` filter): separable, first along the
/// width, then along the height; output sample `i` of an axis of `n` input samples scaled by `s = n / m` is
///
///     y_i = Σ_j x_j · t((j − c + 0.5) / max(s, 1)) / Σ_j t(…),   c = s · (i + 0.5),   t(u) = max(0, 1 − |u|),
///
/// over `j` from `max(⌊c − r + 0.5⌋, 0)` to `min(⌊c + r + 0.5⌋, n) − 1` with support `r = max(s, 1)`: a triangle
/// widened by the scale when shrinking (antialiasing), plain bilinear with half-pixel centres when enlarging.
public struct Resize: Transform {
    /// Output height.
    public let height: Int
    /// Output width.
    public let width: Int

    /// Resizing to `height × width`.
    public init(height: Int, width: Int) {
        precondition(height > 0 && width > 0, "Resize: size \(height)×\(width) must be positive")
        self.height = height
        self.width = width
    }

    /// The sample with its image resized (labels and targets unchanged).
    public func callAsFunction(_ sample: Sample, generator: RandomGenerator) throws -> Sample {
        var out = sample
        out.input = try Self.resize(sample.input, height: height, width: width)
        return out
    }

    /// `image` `[C, H, W]` resized to `[C, height, width]`.
    ///
    /// - Throws: ``DescentError`` of kind `.shape` when `image` is not `[C, H, W]`.
    public static func resize(_ image: Tensor, height: Int, width: Int) throws -> Tensor {
        guard image.rank == 3 else {
            throw DescentError(.shape, "Resize", "expects an image [C, H, W], got \(image.shape)")
        }
        let (c, h, w) = (image.shape[0], image.shape[1], image.shape[2])
        if h == height && w == width { return image }
        let columns = weights(input: w, output: width), rows = weights(input: h, output: height)
        let x = image.scalars
        var wide = [Float](repeating: 0, count: c * h * width)  // along the width first
        for plane in 0..<(c * h) {
            let source = plane * w, target = plane * width
            for (i, (start, k)) in columns.enumerated() {
                var sum: Float = 0
                for (j, weight) in k.enumerated() { sum += x[source + start + j] * weight }
                wide[target + i] = sum
            }
        }
        var out = [Float](repeating: 0, count: c * height * width)
        for channel in 0..<c {
            let source = channel * h * width, target = channel * height * width
            for (i, (start, k)) in rows.enumerated() {
                for col in 0..<width {
                    var sum: Float = 0
                    for (j, weight) in k.enumerated() { sum += wide[source + (start + j) * width + col] * weight }
                    out[target + i * width + col] = sum
                }
            }
        }
        return Tensor(out, shape: [c, height, width])
    }

    /// Per output sample of an axis resized from `input` to `output` samples: the first input sample read and
    /// the normalised triangle weights (Pillow's and PyTorch's `_compute_indices_weights_aa`).
    static func weights(input: Int, output: Int) -> [(start: Int, weights: [Float])] {
        let scale = Double(input) / Double(output)
        let support = max(scale, 1), inverse = 1 / support
        return (0..<output).map { i in
            let center = scale * (Double(i) + 0.5)
            let start = max(Int(center - support + 0.5), 0)
            let end = min(Int(center + support + 0.5), input)
            var k = (start..<end).map { j in max(0, 1 - abs((Double(j) - center + 0.5) * inverse)) }
            let total = k.reduce(0, +)
            if total > 0 { k = k.map { $0 / total } }
            return (start, k.map(Float.init))
        }
    }
}
