import Descent
import Foundation

/// A 3×3 matrix acting on homogeneous pixel coordinates `(x, y, 1)` (x = column, y = row), row-major in
/// `Double`: the affine and projective maps of the image transforms.
///
/// Applied to a point: `(x', y') = ((m0·x + m1·y + m2) / w, (m3·x + m4·y + m5) / w)` with
/// `w = m6·x + m7·y + m8`.
public struct Matrix3: Sendable, Equatable {
    /// The nine entries, row-major.
    public var entries: [Double]

    /// A matrix from its nine row-major entries.
    public init(_ entries: [Double]) {
        precondition(entries.count == 9, "Matrix3: 9 entries expected, got \(entries.count)")
        self.entries = entries
    }

    /// The identity matrix.
    public static let identity = Matrix3([1, 0, 0, 0, 1, 0, 0, 0, 1])

    /// The translation `(x, y) ↦ (x + dx, y + dy)`.
    public static func translation(_ dx: Double, _ dy: Double) -> Matrix3 { Matrix3([1, 0, dx, 0, 1, dy, 0, 0, 1]) }

    /// The matrix product `a·b` (apply `b` first, then `a`).
    public static func * (a: Matrix3, b: Matrix3) -> Matrix3 {
        var r = [Double](repeating: 0, count: 9)
        for i in 0..<3 {
            for j in 0..<3 {
                r[i * 3 + j] =
                    a.entries[i * 3] * b.entries[j] + a.entries[i * 3 + 1] * b.entries[3 + j]
                    + a.entries[i * 3 + 2] * b.entries[6 + j]
            }
        }
        return Matrix3(r)
    }

    /// The inverse (adjugate over determinant), or `nil` when the matrix is singular.
    public var inverse: Matrix3? {
        let m = entries
        let c00 = m[4] * m[8] - m[5] * m[7], c01 = m[5] * m[6] - m[3] * m[8], c02 = m[3] * m[7] - m[4] * m[6]
        let det = m[0] * c00 + m[1] * c01 + m[2] * c02
        guard det != 0, det.isFinite else { return nil }
        let inv = 1 / det
        return Matrix3([
            c00 * inv, (m[2] * m[7] - m[1] * m[8]) * inv, (m[1] * m[5] - m[2] * m[4]) * inv,
            c01 * inv, (m[0] * m[8] - m[2] * m[6]) * inv, (m[2] * m[3] - m[0] * m[5]) * inv,
            c02 * inv, (m[1] * m[6] - m[0] * m[7]) * inv, (m[0] * m[4] - m[1] * m[3]) * inv,
        ])
    }

    /// The image of the point `(x, y)` (after the projective division).
    public func apply(_ x: Double, _ y: Double) -> (x: Double, y: Double) {
        let m = entries
        let w = m[6] * x + m[7] * y + m[8]
        return ((m[0] * x + m[1] * y + m[2]) / w, (m[3] * x + m[4] * y + m[5]) / w)
    }

    /// torchvision's forward affine map about the origin, `T·C·RSS·C⁻¹` with `C` the translation to
    /// `center`, `T` the translation by `translate` and `RSS = R(angle)·S(scale)·SHy(shear.y)·SHx(shear.x)`.
    ///
    /// Angles are in degrees; in image coordinates (y pointing down) a positive `angle` turns the picture
    /// clockwise (`torchvision.transforms.functional.affine`). With `a = angle`, `sx`, `sy` in radians:
    /// `RSS = s·[[cos(a−sy)/cos(sy), −cos(a−sy)·tan(sx)/cos(sy) − sin(a)], [sin(a−sy)/cos(sy),
    /// −sin(a−sy)·tan(sx)/cos(sy) + cos(a)]]`.
    public static func affine(
        angle: Double, translate: (x: Double, y: Double) = (0, 0), scale: Double = 1,
        shear: (x: Double, y: Double) = (0, 0), center: (x: Double, y: Double)
    ) -> Matrix3 {
        let rot = angle * .pi / 180, sx = shear.x * .pi / 180, sy = shear.y * .pi / 180
        let a = cos(rot - sy) / cos(sy)
        let b = -cos(rot - sy) * tan(sx) / cos(sy) - sin(rot)
        let c = sin(rot - sy) / cos(sy)
        let d = -sin(rot - sy) * tan(sx) / cos(sy) + cos(rot)
        let rss = Matrix3([scale * a, scale * b, 0, scale * c, scale * d, 0, 0, 0, 1])
        return translation(translate.x + center.x, translate.y + center.y) * rss * translation(-center.x, -center.y)
    }

    /// The homography that maps each of the four points `from[k]` onto `to[k]`, with `m8 = 1`: the 8×8 linear
    /// system `x'·(m6·x + m7·y + 1) = m0·x + m1·y + m2`, `y'·(…) = m3·x + m4·y + m5` solved by Gaussian
    /// elimination with partial pivoting (torchvision's `_get_perspective_coeffs`).
    ///
    /// - Returns: `nil` when the points are degenerate (three on a line).
    public static func homography(from: [(x: Double, y: Double)], to: [(x: Double, y: Double)]) -> Matrix3? {
        precondition(from.count == 4 && to.count == 4, "Matrix3.homography: four point pairs expected")
        var a = [Double](repeating: 0, count: 8 * 9)  // augmented 8×9 system
        for k in 0..<4 {
            let (x, y) = from[k], (u, v) = to[k]
            let r0 = (2 * k) * 9, r1 = (2 * k + 1) * 9
            a[r0 + 0] = x; a[r0 + 1] = y; a[r0 + 2] = 1; a[r0 + 6] = -u * x; a[r0 + 7] = -u * y; a[r0 + 8] = u
            a[r1 + 3] = x; a[r1 + 4] = y; a[r1 + 5] = 1; a[r1 + 6] = -v * x; a[r1 + 7] = -v * y; a[r1 + 8] = v
        }
        for col in 0..<8 {
            var pivot = col
            for r in (col + 1)..<8 where abs(a[r * 9 + col]) > abs(a[pivot * 9 + col]) { pivot = r }
            guard abs(a[pivot * 9 + col]) > 1e-12 else { return nil }
            if pivot != col { for j in 0..<9 { a.swapAt(col * 9 + j, pivot * 9 + j) } }
            let inv = 1 / a[col * 9 + col]
            for r in 0..<8 where r != col {
                let f = a[r * 9 + col] * inv
                if f == 0 { continue }
                for j in col..<9 { a[r * 9 + j] -= f * a[col * 9 + j] }
            }
        }
        var m = [Double](repeating: 1, count: 9)
        for r in 0..<8 { m[r] = a[r * 9 + 8] / a[r * 9 + r] }
        return Matrix3(m)
    }
}

/// The layout of an image tensor: `[C, H, W]`, or `[H, W]` read as one channel.
public struct ImageLayout: Sendable, Equatable {
    /// Number of channels (1 for a rank-2 image).
    public let channels: Int
    /// Height in pixels.
    public let height: Int
    /// Width in pixels.
    public let width: Int
    /// Whether the tensor had no channel axis (`[H, W]`).
    public let isRank2: Bool

    /// The layout of `image`.
    ///
    /// - Throws: ``DescentError`` of kind `.shape`, located at `transform`, when `image` is not `[C, H, W]` or
    ///   `[H, W]` with positive sides.
    public init(_ image: Tensor, transform: String) throws {
        let s = image.shape
        guard s.count == 2 || s.count == 3, s.allSatisfy({ $0 > 0 }) else {
            throw DescentError(
                .shape, transform, "expected an image of shape [C, H, W] or [H, W] with positive sides, got \(s)")
        }
        isRank2 = s.count == 2
        channels = isRank2 ? 1 : s[0]
        height = s[s.count - 2]
        width = s[s.count - 1]
    }

    /// The tensor shape of an image with this channel layout and the given size.
    public func shape(height: Int, width: Int) -> [Int] { isRank2 ? [height, width] : [channels, height, width] }
}

/// Resampling kernels shared by the image transforms: a bilinear sampler driven by an inverse pixel map, a
/// bilinear resize, and a uniform draw helper. Coordinates are pixel indices: pixel `(row i, column j)` has its
/// centre at `(x, y) = (j, i)`.
public enum ImageWarp {
    /// The image warped by the inverse map `inverse`: output pixel `(x, y)` takes the bilinear sample of
    /// `image` at `inverse·(x, y, 1)` (after the projective division).
    ///
    /// Bilinear: with `x0 = ⌊xs⌋`, `fx = xs − x0` (likewise y) the value is
    /// `Σ (1−fx|fx)(1−fy|fy)·I[y0(+1), x0(+1)]`; taps outside the image read `fill` (torch's `grid_sample`
    /// with zero padding when `fill == 0`).
    public static func warp(_ image: Tensor, inverse: Matrix3, fill: Float = 0, transform: String = "ImageWarp") throws
        -> Tensor
    {
        let layout = try ImageLayout(image, transform: transform)
        let c = layout.channels, h = layout.height, w = layout.width, plane = h * w
        let m = inverse.entries
        var out = Tensor.zeros(image.shape)
        image.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for i in 0..<h {
                    for j in 0..<w {
                        let x = Double(j), y = Double(i)
                        let z = m[6] * x + m[7] * y + m[8]
                        let xs = (m[0] * x + m[1] * y + m[2]) / z, ys = (m[3] * x + m[4] * y + m[5]) / z
                        let o = i * w + j
                        guard xs.isFinite, ys.isFinite, xs > -1, ys > -1, xs < Double(w), ys < Double(h) else {
                            for ch in 0..<c { dst[ch * plane + o] = fill }
                            continue
                        }
                        let fx0 = xs.rounded(.down), fy0 = ys.rounded(.down)
                        let x0 = Int(fx0), y0 = Int(fy0)
                        let fx = Float(xs - fx0), fy = Float(ys - fy0)
                        let w00 = (1 - fx) * (1 - fy), w01 = fx * (1 - fy), w10 = (1 - fx) * fy, w11 = fx * fy
                        let in00 = x0 >= 0 && y0 >= 0, in01 = x0 + 1 < w && y0 >= 0
                        let in10 = x0 >= 0 && y0 + 1 < h, in11 = x0 + 1 < w && y0 + 1 < h
                        var outside: Float = 0
                        if !in00 { outside += w00 }
                        if !in01 { outside += w01 }
                        if !in10 { outside += w10 }
                        if !in11 { outside += w11 }
                        let base = y0 * w + x0
                        for ch in 0..<c {
                            let p = ch * plane + base
                            var v = outside * fill
                            if in00 { v += w00 * src[p] }
                            if in01 { v += w01 * src[p + 1] }
                            if in10 { v += w10 * src[p + w] }
                            if in11 { v += w11 * src[p + w + 1] }
                            dst[ch * plane + o] = v
                        }
                    }
                }
            }
        }
        return out
    }

    /// The affine warp of `image` with torchvision's parameters about the image centre
    /// `((W−1)/2, (H−1)/2)` (see ``Matrix3/affine(angle:translate:scale:shear:center:)``): the forward map is
    /// inverted once and every output pixel is sampled bilinearly from the input.
    public static func affine(
        _ image: Tensor, angle: Double, translate: (x: Double, y: Double) = (0, 0),
        scale: Double = 1, shear: (x: Double, y: Double) = (0, 0), fill: Float = 0,
        transform: String = "affine"
    ) throws -> Tensor {
        let layout = try ImageLayout(image, transform: transform)
        let center = (x: Double(layout.width - 1) / 2, y: Double(layout.height - 1) / 2)
        let forward = Matrix3.affine(angle: angle, translate: translate, scale: scale, shear: shear, center: center)
        guard let inverse = forward.inverse else {
            throw DescentError(
                .argument, transform, "the affine map (angle \(angle), scale \(scale), shear \(shear)) is singular")
        }
        return try warp(image, inverse: inverse, fill: fill, transform: transform)
    }

    /// `image` resized to `height × width` by bilinear interpolation with half-pixel centres (torch's
    /// `interpolate(mode: "bilinear", align_corners: false)`, no antialiasing): source coordinate
    /// `max(0, (dst + 0.5)·in/out − 0.5)`, neighbours clamped to the edge.
    public static func resize(_ image: Tensor, height: Int, width: Int, transform: String = "resize") throws -> Tensor {
        let layout = try ImageLayout(image, transform: transform)
        guard height > 0, width > 0 else {
            throw DescentError(.argument, transform, "target size \(height)×\(width) must be positive")
        }
        let c = layout.channels, h = layout.height, w = layout.width
        var out = Tensor.zeros(layout.shape(height: height, width: width))
        let sy = Double(h) / Double(height), sx = Double(w) / Double(width)
        image.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for i in 0..<height {
                    let ys = max(0, (Double(i) + 0.5) * sy - 0.5)
                    let y0 = min(Int(ys), h - 1), y1 = min(y0 + 1, h - 1)
                    let fy = Float(ys - Double(y0))
                    for j in 0..<width {
                        let xs = max(0, (Double(j) + 0.5) * sx - 0.5)
                        let x0 = min(Int(xs), w - 1), x1 = min(x0 + 1, w - 1)
                        let fx = Float(xs - Double(x0))
                        for ch in 0..<c {
                            let p = ch * h * w
                            let top = (1 - fx) * src[p + y0 * w + x0] + fx * src[p + y0 * w + x1]
                            let bottom = (1 - fx) * src[p + y1 * w + x0] + fx * src[p + y1 * w + x1]
                            dst[ch * height * width + i * width + j] = (1 - fy) * top + fy * bottom
                        }
                    }
                }
            }
        }
        return out
    }

    /// A uniform draw in `[low, high)` from one `uniformFloat()` of `generator`: `low + (high − low)·u`.
    public static func uniform(_ low: Double, _ high: Double, generator: RandomGenerator) -> Double {
        low + (high - low) * Double(generator.uniformFloat())
    }
}
