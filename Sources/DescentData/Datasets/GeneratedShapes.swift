import Descent
import Foundation

/// A dataset that needs no files: 28×28 grey images of ten procedurally drawn shapes, each with a random
/// position, size, rotation, stretch, stroke width and noise, all derived from (seed, index).
///
/// Classes: 0 disk, 1 ring, 2 filled square, 3 square outline, 4 filled triangle, 5 triangle outline,
/// 6 plus, 7 cross (×), 8 equals sign, 9 the letter L. Labels cycle through the classes (`index % 10`),
/// so every class has the same number of samples (±1). Pixels are in [0, 1]; inputs have shape `[1, 28, 28]`.
/// Sample `i` is the same on every machine and thread count.
public struct GeneratedShapes: Dataset {
    /// Class names, indexed by label.
    public static let classNames = [
        "disk", "ring", "square", "square outline", "triangle", "triangle outline",
        "plus", "cross", "equals", "L",
    ]
    /// Image side in pixels.
    public static let side = 28

    /// Number of samples.
    public let count: Int
    /// Seed of the drawing parameters.
    public let seed: UInt64

    /// A dataset of `count` images drawn from `seed` (use different seeds for independent splits).
    public init(count: Int, seed: UInt64 = 0) {
        precondition(count >= 0, "GeneratedShapes: count must be non-negative")
        self.count = count
        self.seed = seed
    }

    /// The image and class of sample `index`.
    public func sample(at index: Int) -> Sample {
        precondition(index >= 0 && index < count, "GeneratedShapes: index \(index) out of range 0..<\(count)")
        let label = index % 10
        return Sample(
            input: GeneratedShapes.draw(label: label, generator: RandomGenerator(seed: seed, stream: UInt64(index))),
            target: .classIndex(label))
    }

    /// The class of sample `index` (`index % 10`), without drawing it.
    public func label(at index: Int) -> Int? { index % 10 }

    /// Draws one image of class `label` with parameters from `generator`.
    static func draw(label: Int, generator g: RandomGenerator) -> Tensor {
        let n = side
        func u(_ lo: Float, _ hi: Float) -> Float { lo + (hi - lo) * g.uniformFloat() }
        let radius = u(6, 10.5)
        let cx = Float(n) / 2 + u(-3, 3), cy = Float(n) / 2 + u(-3, 3)
        let angle = u(-0.4, 0.4)
        let stretch = u(0.85, 1.15)
        let stroke = u(1.6, 3)
        let noise = u(0, 0.12)
        let noiseField = g.normal([n * n])
        let (cs, sn) = (Foundation.cos(angle), Foundation.sin(angle))
        var pixels = [Float](repeating: 0, count: n * n)
        noiseField.withUnsafeBufferPointer { z in
            for y in 0..<n {
                for x in 0..<n {
                    // Pixel centre in shape coordinates (rotated, stretched, unit = pixels).
                    let dx = Float(x) + 0.5 - cx, dy = Float(y) + 0.5 - cy
                    let px = (cs * dx + sn * dy) / stretch, py = (-sn * dx + cs * dy) * stretch
                    let d = distance(label: label, SIMD2(px, py), r: radius, w: stroke)
                    let coverage = Swift.min(Swift.max(0.5 - d, 0), 1)
                    pixels[y * n + x] = Swift.min(Swift.max(coverage + noise * z[y * n + x], 0), 1)
                }
            }
        }
        return Tensor(pixels, shape: [1, n, n])
    }

    /// Signed distance (pixels) from `p` to the shape of class `label`; negative inside.
    static func distance(label: Int, _ p: SIMD2<Float>, r: Float, w: Float) -> Float {
        switch label {
        case 0: return length(p) - r
        case 1: return Swift.abs(length(p) - r * 0.85) - w / 2
        case 2: return box(p, SIMD2(r, r) * 0.8)
        case 3: return Swift.abs(box(p, SIMD2(r, r) * 0.8)) - w / 2
        case 4: return triangle(p, r)
        case 5: return Swift.abs(triangle(p, r)) - w / 2
        case 6: return Swift.min(segment(p, SIMD2(-r, 0), SIMD2(r, 0)), segment(p, SIMD2(0, -r), SIMD2(0, r))) - w / 2
        case 7:
            let k = r * 0.75
            return Swift.min(segment(p, SIMD2(-k, -k), SIMD2(k, k)), segment(p, SIMD2(-k, k), SIMD2(k, -k))) - w / 2
        case 8:
            let o = r * 0.4
            return Swift.min(segment(p, SIMD2(-r, -o), SIMD2(r, -o)), segment(p, SIMD2(-r, o), SIMD2(r, o))) - w / 2
        default:
            let k = r * 0.8
            return Swift.min(
                segment(p, SIMD2(-k * 0.6, -k), SIMD2(-k * 0.6, k)), segment(p, SIMD2(-k * 0.6, k), SIMD2(k * 0.7, k)))
                - w / 2
        }
    }

    static func length(_ p: SIMD2<Float>) -> Float { (p * p).sum().squareRoot() }

    /// Distance to an axis-aligned box of half-extents `b`.
    static func box(_ p: SIMD2<Float>, _ b: SIMD2<Float>) -> Float {
        let d = SIMD2(Swift.abs(p.x), Swift.abs(p.y)) - b
        let outside = length(SIMD2(Swift.max(d.x, 0), Swift.max(d.y, 0)))
        return outside + Swift.min(Swift.max(d.x, d.y), 0)
    }

    /// Distance to the segment from `a` to `b`.
    static func segment(_ p: SIMD2<Float>, _ a: SIMD2<Float>, _ b: SIMD2<Float>) -> Float {
        let pa = p - a, ba = b - a
        let h = Swift.min(Swift.max((pa * ba).sum() / (ba * ba).sum(), 0), 1)
        return length(pa - ba * h)
    }

    /// Distance to an equilateral triangle of circumradius `r`, pointing up (image y grows downwards).
    static func triangle(_ p: SIMD2<Float>, _ r: Float) -> Float {
        let k = Float(3).squareRoot()
        let s = r * k / 2  // half side
        var q = SIMD2(Swift.abs(p.x) - s, -p.y + r / 2)
        if q.x + k * q.y > 0 { q = SIMD2(q.x - k * q.y, -k * q.x - q.y) / 2 }
        q.x -= Swift.min(Swift.max(q.x, -2 * s), 0)
        return -length(q) * (q.y < 0 ? -1 : 1)
    }
}
