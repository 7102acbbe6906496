import Descent

/// A random perspective warp with probability `p` (torchvision's `RandomPerspective`): the four corners move
/// inwards by random amounts and the image follows the homography between old and new corners.
///
/// Per sample: one uniform draw `u`, warped when `u < p`. Then, with `dw = ⌊s·⌊W/2⌋⌋`, `dh = ⌊s·⌊H/2⌋⌋` for
/// distortion scale `s`, the corners `(0,0), (W−1,0), (W−1,H−1), (0,H−1)` go to top-left
/// `(U{0…dw}, U{0…dh})`, top-right `(U{W−1−dw…W−1}, U{0…dh})`, bottom-right, bottom-left likewise (integer
/// draws in that order). The homography `H` mapping end points to start points is solved from the four pairs,
/// and output pixel `(x, y)` samples the input bilinearly at `H·(x + ½, y + ½) − ½` (torchvision's grid).
public struct RandomPerspective: Transform {
    /// How far corners may move, as a fraction of half the side, in [0, 1].
    public let distortionScale: Double
    /// Probability of warping, in [0, 1].
    public let p: Float
    /// Value of pixels mapped from outside the image.
    public let fill: Float

    /// torchvision's `RandomPerspective` default `distortion_scale`, 0.5.
    public static let defaultDistortionScale: Double = 0.5
    /// torchvision's `RandomPerspective` default `p`, 0.5.
    public static let defaultP: Float = 0.5
    /// torchvision's `RandomPerspective` default `fill`, 0.
    public static let defaultFill: Float = 0

    /// A perspective warp with the given distortion scale (default 0.5), probability (default 0.5) and fill.
    public init(distortionScale: Double = defaultDistortionScale, p: Float = defaultP, fill: Float = defaultFill) {
        precondition(
            distortionScale >= 0 && distortionScale <= 1,
            "RandomPerspective: distortionScale must be in [0, 1], got \(distortionScale)")
        precondition(p >= 0 && p <= 1, "RandomPerspective: p = \(p) is not a probability")
        self.distortionScale = distortionScale
        self.p = p
        self.fill = fill
    }

    /// The corners' start and end points for one image of `width × height` (torchvision's `get_params`).
    public func corners(width: Int, height: Int, generator: RandomGenerator)
        -> (start: [(x: Double, y: Double)], end: [(x: Double, y: Double)])
    {
        let dw = Int(distortionScale * Double(width / 2)), dh = Int(distortionScale * Double(height / 2))
        func draw(_ lo: Int, _ hi: Int) -> Double { Double(generator.integer(in: lo..<hi)) }
        let tl = (x: draw(0, dw + 1), y: draw(0, dh + 1))
        let tr = (x: draw(width - dw - 1, width), y: draw(0, dh + 1))
        let br = (x: draw(width - dw - 1, width), y: draw(height - dh - 1, height))
        let bl = (x: draw(0, dw + 1), y: draw(height - dh - 1, height))
        let w1 = Double(width - 1), h1 = Double(height - 1)
        return ([(0, 0), (w1, 0), (w1, h1), (0, h1)], [tl, tr, br, bl])
    }

    /// `image` warped so that the points `start` land on `end` (`functional.perspective`).
    ///
    /// - Throws: ``DescentError`` when the image is not `[C, H, W]` or `[H, W]`, or the points are degenerate.
    public static func warp(
        _ image: Tensor, start: [(x: Double, y: Double)], end: [(x: Double, y: Double)],
        fill: Float = 0
    ) throws -> Tensor {
        guard let h = Matrix3.homography(from: end, to: start) else {
            throw DescentError(.argument, "RandomPerspective", "the corner points \(end) are degenerate")
        }
        let inverse = Matrix3.translation(-0.5, -0.5) * h * Matrix3.translation(0.5, 0.5)
        return try ImageWarp.warp(image, inverse: inverse, fill: fill, transform: "RandomPerspective")
    }

    /// The sample with its image perspective-warped with probability `p`.
    ///
    /// - Throws: ``DescentError`` of kind `.shape` when the input is not `[C, H, W]` or `[H, W]`.
    public func callAsFunction(_ sample: Sample, generator: RandomGenerator) throws -> Sample {
        let l = try ImageLayout(sample.input, transform: "RandomPerspective")
        guard generator.uniformFloat() < p else { return sample }
        let c = corners(width: l.width, height: l.height, generator: generator)
        return Sample(
            input: try RandomPerspective.warp(sample.input, start: c.start, end: c.end, fill: fill),
            target: sample.target)
    }
}
