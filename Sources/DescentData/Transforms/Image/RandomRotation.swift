import Descent

/// Rotates an image by a random angle about its centre (torchvision's `RandomRotation`), a thin
/// ``RandomAffine``: `angle ~ U(degrees)`, positive angles counter-clockwise as seen on screen
/// (`functional.rotate`, i.e. an affine warp by `−angle`), bilinear sampling, outside pixels read `fill`.
public struct RandomRotation: Transform {
    /// Range of the angle in degrees (counter-clockwise positive).
    public let degrees: ClosedRange<Double>
    /// Value of pixels mapped from outside the image.
    public let fill: Float

    /// torchvision's `RandomRotation` default `fill`, 0.
    public static let defaultFill: Float = 0

    /// Rotation by an angle in `[−degrees, degrees]`.
    public init(degrees: Double, fill: Float = defaultFill) {
        precondition(degrees >= 0, "RandomRotation: degrees must be non-negative, got \(degrees)")
        self.init(range: -degrees...degrees, fill: fill)
    }

    /// Rotation by an angle in `range` (degrees).
    public init(range: ClosedRange<Double>, fill: Float = defaultFill) {
        self.degrees = range
        self.fill = fill
    }

    /// The sample with its image rotated by a freshly drawn angle.
    ///
    /// - Throws: ``DescentError`` of kind `.shape` when the input is not `[C, H, W]` or `[H, W]`.
    public func callAsFunction(_ sample: Sample, generator: RandomGenerator) throws -> Sample {
        _ = try ImageLayout(sample.input, transform: "RandomRotation")
        let angle = ImageWarp.uniform(degrees.lowerBound, degrees.upperBound, generator: generator)
        let out = try ImageWarp.affine(sample.input, angle: -angle, fill: fill, transform: "RandomRotation")
        return Sample(input: out, target: sample.target)
    }
}
