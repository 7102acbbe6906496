import Descent
import Foundation

/// A random window of random area and aspect ratio, resized bilinearly to a fixed size (torchvision's
/// `RandomResizedCrop`).
///
/// Per sample, up to ten tries (torchvision's `get_params`): `area = H·W·U(scale)`,
/// `r = exp(U(log ratio))`, `w = round(√(area·r))`, `h = round(√(area/r))`; the first try with
/// `0 < w ≤ W`, `0 < h ≤ H` takes `top ~ U{0…H−h}`, `left ~ U{0…W−w}`. Otherwise the central crop with the
/// ratio clamped into `ratio`. The window is resized with ``ImageWarp/resize(_:height:width:transform:)``
/// (bilinear, half-pixel centres, no antialiasing).
public struct RandomResizedCrop: Transform {
    /// Output height.
    public let height: Int
    /// Output width.
    public let width: Int
    /// Range of the window's area as a fraction of the image's.
    public let scale: ClosedRange<Double>
    /// Range of the window's aspect ratio (width / height).
    public let ratio: ClosedRange<Double>

    /// torchvision's `RandomResizedCrop` default `scale`, (0.08, 1).
    public static let defaultScale: ClosedRange<Double> = 0.08...1
    /// torchvision's `RandomResizedCrop` default `ratio`, (3/4, 4/3).
    public static let defaultRatio: ClosedRange<Double> = (3.0 / 4)...(4.0 / 3)

    /// Crops resized to `height × width`, with torchvision's defaults scale (0.08, 1) and ratio (3/4, 4/3).
    public init(
        height: Int, width: Int, scale: ClosedRange<Double> = defaultScale,
        ratio: ClosedRange<Double> = defaultRatio
    ) {
        precondition(height > 0 && width > 0, "RandomResizedCrop: size \(height)×\(width) must be positive")
        precondition(scale.lowerBound > 0, "RandomResizedCrop: scale must be positive, got \(scale)")
        precondition(ratio.lowerBound > 0, "RandomResizedCrop: ratio must be positive, got \(ratio)")
        self.height = height
        self.width = width
        self.scale = scale
        self.ratio = ratio
    }

    /// Square crops resized to `size × size`.
    public init(size: Int, scale: ClosedRange<Double> = defaultScale, ratio: ClosedRange<Double> = defaultRatio) {
        self.init(height: size, width: size, scale: scale, ratio: ratio)
    }

    /// The window `(top, left, height, width)` for an image of `imageHeight × imageWidth`.
    public func window(imageHeight: Int, imageWidth: Int, generator: RandomGenerator)
        -> (top: Int, left: Int, height: Int, width: Int)
    {
        let area = Double(imageHeight * imageWidth)
        let logLo = log(ratio.lowerBound), logHi = log(ratio.upperBound)
        for _ in 0..<10 {
            let target = area * ImageWarp.uniform(scale.lowerBound, scale.upperBound, generator: generator)
            let r = exp(ImageWarp.uniform(logLo, logHi, generator: generator))
            let w = Int((target * r).squareRoot().rounded()), h = Int((target / r).squareRoot().rounded())
            if w > 0, w <= imageWidth, h > 0, h <= imageHeight {
                let top = generator.integer(in: 0..<(imageHeight - h + 1))
                let left = generator.integer(in: 0..<(imageWidth - w + 1))
                return (top, left, h, w)
            }
        }
        let inRatio = Double(imageWidth) / Double(imageHeight)
        var w = imageWidth, h = imageHeight
        if inRatio < ratio.lowerBound {
            h = Int((Double(w) / ratio.lowerBound).rounded())
        } else if inRatio > ratio.upperBound {
            w = Int((Double(h) * ratio.upperBound).rounded())
        }
        return ((imageHeight - h) / 2, (imageWidth - w) / 2, h, w)
    }

    /// The sample with a random window of its image, resized to `height × width`.
    ///
    /// - Throws: ``DescentError`` of kind `.shape` when the input is not `[C, H, W]` or `[H, W]`.
    public func callAsFunction(_ sample: Sample, generator: RandomGenerator) throws -> Sample {
        let l = try ImageLayout(sample.input, transform: "RandomResizedCrop")
        let win = window(imageHeight: l.height, imageWidth: l.width, generator: generator)
        let cropped = try RandomCrop.crop(
            sample.input, top: win.top, left: win.left, height: win.height, width: win.width)
        let out = try ImageWarp.resize(cropped, height: height, width: width, transform: "RandomResizedCrop")
        return Sample(input: out, target: sample.target)
    }
}
