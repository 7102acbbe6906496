import Descent

/// A random affine warp — rotation, translation, scale and shear composed into one matrix about the image
/// centre and applied as one inverse-mapped bilinear warp (torchvision's `RandomAffine`).
///
/// Per sample (torchvision's `get_params`, in this order): `angle ~ U(degrees)`; if `translate = (a, b)`,
/// `tx = round(U(−a·W, a·W))`, `ty = round(U(−b·H, b·H))`; `scale ~ U(scale)` if given; `shear.x ~ U(shear.x)`
/// and `shear.y ~ U(shear.y)` if given. The forward map is `T·C·R(angle)·S(scale)·SHy·SHx·C⁻¹` with centre
/// `C = ((W−1)/2, (H−1)/2)`; a positive angle turns the picture clockwise (as `functional.affine`). Pixels
/// mapped from outside the image read `fill`.
public struct RandomAffine: Transform {
    /// Range of the rotation angle in degrees.
    public let degrees: ClosedRange<Double>
    /// Largest translation as fractions of width and height, or `nil` for none.
    public let translate: (x: Double, y: Double)?
    /// Range of the scale factor, or `nil` for 1.
    public let scale: ClosedRange<Double>?
    /// Ranges of the shear angles in degrees along x and y, or `nil` for none.
    public let shear: (x: ClosedRange<Double>, y: ClosedRange<Double>)?
    /// Value of pixels mapped from outside the image.
    public let fill: Float

    /// torchvision's `RandomAffine` default `fill`, 0.
    public static let defaultFill: Float = 0

    /// A random affine transform. `degrees` `d` alone means `[−d, d]`; a single shear `s` means x-shear in
    /// `[−s, s]` and no y-shear (torchvision's conventions).
    public init(
        degrees: Double, translate: (x: Double, y: Double)? = nil, scale: ClosedRange<Double>? = nil,
        shear: Double? = nil, fill: Float = defaultFill
    ) {
        precondition(degrees >= 0, "RandomAffine: degrees must be non-negative, got \(degrees)")
        precondition(shear.map { $0 >= 0 } ?? true, "RandomAffine: shear must be non-negative")
        self.init(
            degreesRange: -degrees...degrees, translate: translate, scale: scale,
            shearRange: shear.map { (x: -$0...$0, y: 0...0) }, fill: fill)
    }

    /// A random affine transform with explicit ranges for the angle and both shears.
    public init(
        degreesRange: ClosedRange<Double>, translate: (x: Double, y: Double)? = nil,
        scale: ClosedRange<Double>? = nil, shearRange: (x: ClosedRange<Double>, y: ClosedRange<Double>)? = nil,
        fill: Float = defaultFill
    ) {
        if let t = translate {
            precondition(
                t.x >= 0 && t.x <= 1 && t.y >= 0 && t.y <= 1,
                "RandomAffine: translate fractions must be in [0, 1], got \(t)")
        }
        if let s = scale { precondition(s.lowerBound > 0, "RandomAffine: scale must be positive, got \(s)") }
        self.degrees = degreesRange
        self.translate = translate
        self.scale = scale
        self.shear = shearRange
        self.fill = fill
    }

    /// Parameters drawn for one image of `width × height`, in torchvision's order.
    public func parameters(width: Int, height: Int, generator: RandomGenerator)
        -> (angle: Double, translate: (x: Double, y: Double), scale: Double, shear: (x: Double, y: Double))
    {
        let angle = ImageWarp.uniform(degrees.lowerBound, degrees.upperBound, generator: generator)
        var t = (x: 0.0, y: 0.0)
        if let tr = translate {
            let mx = tr.x * Double(width), my = tr.y * Double(height)
            t.x = ImageWarp.uniform(-mx, mx, generator: generator).rounded()
            t.y = ImageWarp.uniform(-my, my, generator: generator).rounded()
        }
        let s = scale.map { ImageWarp.uniform($0.lowerBound, $0.upperBound, generator: generator) } ?? 1
        var sh = (x: 0.0, y: 0.0)
        if let r = shear {
            sh.x = ImageWarp.uniform(r.x.lowerBound, r.x.upperBound, generator: generator)
            sh.y = ImageWarp.uniform(r.y.lowerBound, r.y.upperBound, generator: generator)
        }
        return (angle, t, s, sh)
    }

    /// The sample with its image warped by a freshly drawn affine map.
    ///
    /// - Throws: ``DescentError`` of kind `.shape` when the input is not `[C, H, W]` or `[H, W]`.
    public func callAsFunction(_ sample: Sample, generator: RandomGenerator) throws -> Sample {
        let l = try ImageLayout(sample.input, transform: "RandomAffine")
        let p = parameters(width: l.width, height: l.height, generator: generator)
        let out = try ImageWarp.affine(
            sample.input, angle: p.angle, translate: p.translate, scale: p.scale,
            shear: p.shear, fill: fill, transform: "RandomAffine")
        return Sample(input: out, target: sample.target)
    }
}
