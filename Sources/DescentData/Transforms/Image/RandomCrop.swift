import Descent

/// A random `height × width` window of an image padded by `padding` pixels on every side (torchvision's
/// `RandomCrop`): `top ~ U{0 … H + 2·padding − height}`, `left ~ U{0 … W + 2·padding − width}`, drawn in
/// that order from the sample's generator.
public struct RandomCrop: Transform {
    /// Output height.
    public let height: Int
    /// Output width.
    public let width: Int
    /// Pixels added on each side before cropping.
    public let padding: Int
    /// How the added pixels are filled.
    public let paddingMode: PaddingMode

    /// torchvision's `RandomCrop` default `padding`, 0 (torchvision's `None`: no padding).
    public static let defaultPadding = 0
    /// torchvision's `RandomCrop` default `fill`, 0, of its default `padding_mode` `constant`: ``PaddingMode/zero``.
    public static let defaultFill: Float = 0

    /// Crops of `height × width` (one `size` for a square) after padding by `padding` with `paddingMode`.
    public init(height: Int, width: Int, padding: Int = defaultPadding, paddingMode: PaddingMode = .zero) {
        precondition(height > 0 && width > 0, "RandomCrop: size \(height)×\(width) must be positive")
        precondition(padding >= 0, "RandomCrop: padding must be non-negative, got \(padding)")
        self.height = height
        self.width = width
        self.padding = padding
        self.paddingMode = paddingMode
    }

    /// Square crops of side `size`.
    public init(size: Int, padding: Int = defaultPadding, paddingMode: PaddingMode = .zero) {
        self.init(height: size, width: size, padding: padding, paddingMode: paddingMode)
    }

    /// The window `[top, top + height) × [left, left + width)` of `image`, in the unpadded image's
    /// coordinates (negative or past-the-edge indices are padding, filled as `paddingMode` says).
    ///
    /// - Throws: ``DescentError`` of kind `.shape` when the image is not `[C, H, W]` or `[H, W]`.
    public static func crop(
        _ image: Tensor, top: Int, left: Int, height: Int, width: Int,
        paddingMode: PaddingMode = .zero
    ) throws -> Tensor {
        let l = try ImageLayout(image, transform: "RandomCrop")
        let h = l.height, w = l.width
        var out = Tensor.zeros(l.shape(height: height, width: width))
        image.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for ch in 0..<l.channels {
                    for i in 0..<height {
                        let si = top + i
                        for j in 0..<width {
                            let sj = left + j
                            let o = (ch * height + i) * width + j
                            switch paddingMode {
                            case .constant(let v):
                                dst[o] = (si >= 0 && si < h && sj >= 0 && sj < w) ? src[(ch * h + si) * w + sj] : v
                            case .reflect:
                                dst[o] = src[(ch * h + reflect(si, h)) * w + reflect(sj, w)]
                            }
                        }
                    }
                }
            }
        }
        return out
    }

    /// `index` reflected into `0..<n` without repeating edges (period `2(n−1)`).
    static func reflect(_ index: Int, _ n: Int) -> Int {
        if n == 1 { return 0 }
        let period = 2 * (n - 1)
        var k = index % period
        if k < 0 { k += period }
        return k < n ? k : period - k
    }

    /// The sample with a random window of its (padded) image.
    ///
    /// - Throws: ``DescentError`` of kind `.shape` when the input is not an image or the padded image is
    ///   smaller than the crop.
    public func callAsFunction(_ sample: Sample, generator: RandomGenerator) throws -> Sample {
        let l = try ImageLayout(sample.input, transform: "RandomCrop")
        let ph = l.height + 2 * padding, pw = l.width + 2 * padding
        guard ph >= height, pw >= width else {
            throw DescentError(
                .shape, "RandomCrop", "crop \(height)×\(width) is larger than the padded image \(ph)×\(pw)")
        }
        let top = generator.integer(in: 0..<(ph - height + 1))
        let left = generator.integer(in: 0..<(pw - width + 1))
        let out = try RandomCrop.crop(
            sample.input, top: top - padding, left: left - padding, height: height,
            width: width, paddingMode: paddingMode)
        return Sample(input: out, target: sample.target)
    }
}

extension RandomCrop {
    /// How ``RandomCrop`` fills pixels outside the image.
    public enum PaddingMode: Sendable, Equatable {
        /// A constant value (torchvision's `padding_mode="constant"`; 0 by default).
        case constant(Float)
        /// Mirror without repeating the edge pixel: index `−k` reads `k`, index `n−1+k` reads `n−1−k`
        /// (`padding_mode="reflect"`).
        case reflect

        /// Zero padding.
        public static let zero = PaddingMode.constant(RandomCrop.defaultFill)
    }
}
