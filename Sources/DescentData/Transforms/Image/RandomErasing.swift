import Descent
import Foundation

/// Erases a random rectangle of an image with probability `p` (torchvision's `RandomErasing`; Cutout when
/// `scale` is narrow and `ratio` is 1).
///
/// Per sample: one uniform draw `u`, erased when `u < p`. Then up to ten tries of
/// `area = H·W·U(scale)`, `r = exp(U(log ratio))`, `h = round(√(area·r))`, `w = round(√(area/r))`; the first with
/// `h < H` and `w < W` takes `top ~ U{0…H−h}`, `left ~ U{0…W−w}` and sets every channel of that rectangle to
/// `value` (or to standard-normal noise when `value` is `nil`). If no try fits the image is unchanged.
public struct RandomErasing: Transform {
    /// Probability of erasing, in [0, 1].
    public let p: Float
    /// Range of the erased area as a fraction of the image's.
    public let scale: ClosedRange<Double>
    /// Range of the rectangle's aspect ratio (height / width as torchvision draws it).
    public let ratio: ClosedRange<Double>
    /// The fill value, or `nil` for per-pixel standard-normal noise.
    public let value: Float?

    /// torchvision's `RandomErasing` default `p`, 0.5.
    public static let defaultP: Float = 0.5
    /// torchvision's `RandomErasing` default `scale`, (0.02, 0.33).
    public static let defaultScale: ClosedRange<Double> = 0.02...0.33
    /// torchvision's `RandomErasing` default `ratio`, (0.3, 3.3).
    public static let defaultRatio: ClosedRange<Double> = 0.3...3.3
    /// torchvision's `RandomErasing` default `value`, 0.
    public static let defaultValue: Float = 0

    /// Erasing with torchvision's defaults: p 0.5, scale (0.02, 0.33), ratio (0.3, 3.3), value 0.
    public init(
        p: Float = defaultP, scale: ClosedRange<Double> = defaultScale,
        ratio: ClosedRange<Double> = defaultRatio, value: Float? = defaultValue
    ) {
        precondition(p >= 0 && p <= 1, "RandomErasing: p = \(p) is not a probability")
        precondition(
            scale.lowerBound >= 0 && scale.upperBound <= 1, "RandomErasing: scale must lie in [0, 1], got \(scale)")
        precondition(ratio.lowerBound > 0, "RandomErasing: ratio must be positive, got \(ratio)")
        self.p = p
        self.scale = scale
        self.ratio = ratio
        self.value = value
    }

    /// The rectangle `(top, left, height, width)` for an image of `imageHeight × imageWidth`, or `nil` when
    /// ten tries found none that fits.
    public func rectangle(imageHeight: Int, imageWidth: Int, generator: RandomGenerator)
        -> (top: Int, left: Int, height: Int, width: Int)?
    {
        let area = Double(imageHeight * imageWidth)
        let logLo = log(ratio.lowerBound), logHi = log(ratio.upperBound)
        for _ in 0..<10 {
            let target = area * ImageWarp.uniform(scale.lowerBound, scale.upperBound, generator: generator)
            let r = exp(ImageWarp.uniform(logLo, logHi, generator: generator))
            let h = Int((target * r).squareRoot().rounded()), w = Int((target / r).squareRoot().rounded())
            guard h < imageHeight, w < imageWidth else { continue }
            let top = generator.integer(in: 0..<(imageHeight - h + 1))
            let left = generator.integer(in: 0..<(imageWidth - w + 1))
            return (top, left, h, w)
        }
        return nil
    }

    /// `image` with the rectangle `[top, top + height) × [left, left + width)` of every channel set to `value`.
    ///
    /// - Throws: ``DescentError`` of kind `.shape` when the image is not `[C, H, W]` or `[H, W]` or the
    ///   rectangle leaves it.
    public static func erase(_ image: Tensor, top: Int, left: Int, height: Int, width: Int, value: Float) throws
        -> Tensor
    {
        try erase(image, top: top, left: left, height: height, width: width) { _ in value }
    }

    /// Erasing with the value of element `k` (counted over the rectangle, channel-major) from `value(k)`.
    static func erase(
        _ image: Tensor, top: Int, left: Int, height: Int, width: Int,
        value: (Int) -> Float
    ) throws -> Tensor {
        let l = try ImageLayout(image, transform: "RandomErasing")
        guard top >= 0, left >= 0, height >= 0, width >= 0, top + height <= l.height, left + width <= l.width else {
            throw DescentError(
                .shape, "RandomErasing",
                "rectangle at (\(top), \(left)) of \(height)×\(width) leaves the \(l.height)×\(l.width) image")
        }
        var out = image.clone()
        out.withUnsafeMutableBufferPointer { p in
            var k = 0
            for ch in 0..<l.channels {
                for i in top..<(top + height) {
                    let row = (ch * l.height + i) * l.width
                    for j in left..<(left + width) { p[row + j] = value(k); k += 1 }
                }
            }
        }
        return out
    }

    /// The sample with a random rectangle erased with probability `p`.
    ///
    /// - Throws: ``DescentError`` of kind `.shape` when the input is not `[C, H, W]` or `[H, W]`.
    public func callAsFunction(_ sample: Sample, generator: RandomGenerator) throws -> Sample {
        let l = try ImageLayout(sample.input, transform: "RandomErasing")
        guard generator.uniformFloat() < p,
            let r = rectangle(imageHeight: l.height, imageWidth: l.width, generator: generator)
        else { return sample }
        let out: Tensor
        if let v = value {
            out = try RandomErasing.erase(
                sample.input, top: r.top, left: r.left, height: r.height, width: r.width, value: v)
        } else {
            let noise = generator.normal([l.channels * r.height * r.width]).scalars
            out = try RandomErasing.erase(sample.input, top: r.top, left: r.left, height: r.height, width: r.width) {
                noise[$0]
            }
        }
        return Sample(input: out, target: sample.target)
    }
}
