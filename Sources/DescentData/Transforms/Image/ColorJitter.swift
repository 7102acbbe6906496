import Descent

/// Random brightness and contrast changes (the brightness/contrast part of torchvision's `ColorJitter`), for
/// images with values in [0, 1].
///
/// Factors are drawn as torchvision does: an amount `b` gives `U(max(0, 1−b), 1+b)`. Per sample the order of
/// the two adjustments is a random permutation, then each enabled factor is drawn in that order.
/// Brightness: `out = clamp(f·x, 0, 1)`. Contrast: `out = clamp(f·x + (1−f)·m, 0, 1)` with `m` the mean of the
/// greyscale image (`0.2989 R + 0.587 G + 0.114 B` for three channels, the single channel otherwise).
public struct ColorJitter: Transform {
    /// Range of the brightness factor, or `nil` to leave brightness alone.
    public let brightness: ClosedRange<Float>?
    /// Range of the contrast factor, or `nil` to leave contrast alone.
    public let contrast: ClosedRange<Float>?

    /// torchvision's `ColorJitter` default `brightness`, 0 (no change).
    public static let defaultBrightness: Float = 0
    /// torchvision's `ColorJitter` default `contrast`, 0 (no change).
    public static let defaultContrast: Float = 0

    /// Jitter with brightness and contrast amounts (0 disables one): factor in `[max(0, 1−a), 1+a]`.
    public init(brightness: Float = defaultBrightness, contrast: Float = defaultContrast) {
        precondition(brightness >= 0 && contrast >= 0, "ColorJitter: amounts must be non-negative")
        self.init(
            brightnessRange: brightness > 0 ? max(0, 1 - brightness)...(1 + brightness) : nil,
            contrastRange: contrast > 0 ? max(0, 1 - contrast)...(1 + contrast) : nil)
    }

    /// Jitter with explicit factor ranges (`nil` disables one).
    public init(brightnessRange: ClosedRange<Float>?, contrastRange: ClosedRange<Float>?) {
        precondition(
            (brightnessRange?.lowerBound ?? 0) >= 0 && (contrastRange?.lowerBound ?? 0) >= 0,
            "ColorJitter: factors must be non-negative")
        self.brightness = brightnessRange
        self.contrast = contrastRange
    }

    /// `image` with brightness scaled by `factor`: `clamp(factor·x, 0, 1)`.
    public static func adjustBrightness(_ image: Tensor, factor: Float) -> Tensor {
        var out = image.clone()
        out.withUnsafeMutableBufferPointer { p in
            for k in 0..<p.count { p[k] = min(max(factor * p[k], 0), 1) }
        }
        return out
    }

    /// `image` with contrast scaled by `factor` about its greyscale mean `m`: `clamp(factor·x + (1−factor)·m, 0, 1)`.
    ///
    /// - Throws: ``DescentError`` of kind `.shape` when the image is not `[C, H, W]` or `[H, W]`.
    public static func adjustContrast(_ image: Tensor, factor: Float) throws -> Tensor {
        let l = try ImageLayout(image, transform: "ColorJitter")
        let plane = l.height * l.width
        var out = image.clone()
        out.withUnsafeMutableBufferPointer { p in
            var sum: Double = 0
            if l.channels == 3 {
                for k in 0..<plane {
                    sum += Double(0.2989 * p[k] + 0.587 * p[plane + k] + 0.114 * p[2 * plane + k])
                }
                sum /= Double(plane)
            } else {
                for k in 0..<p.count { sum += Double(p[k]) }
                sum /= Double(p.count)
            }
            let shift = (1 - factor) * Float(sum)
            for k in 0..<p.count { p[k] = min(max(factor * p[k] + shift, 0), 1) }
        }
        return out
    }

    /// The sample with its brightness and contrast jittered.
    ///
    /// - Throws: ``DescentError`` of kind `.shape` when the input is not `[C, H, W]` or `[H, W]`.
    public func callAsFunction(_ sample: Sample, generator: RandomGenerator) throws -> Sample {
        _ = try ImageLayout(sample.input, transform: "ColorJitter")
        var x = sample.input
        for which in generator.permutation(2) {
            if which == 0, let r = brightness {
                let f = r.lowerBound + (r.upperBound - r.lowerBound) * generator.uniformFloat()
                x = ColorJitter.adjustBrightness(x, factor: f)
            } else if which == 1, let r = contrast {
                let f = r.lowerBound + (r.upperBound - r.lowerBound) * generator.uniformFloat()
                x = try ColorJitter.adjustContrast(x, factor: f)
            }
        }
        return Sample(input: x, target: sample.target)
    }
}
