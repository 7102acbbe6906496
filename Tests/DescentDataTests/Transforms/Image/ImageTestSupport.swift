import Descent
import DescentData
import Foundation

/// Helpers shared by the image-augmentation tests.
enum ImageTest {
    /// A `[channels, height, width]` image of uniform values from a fixed seed.
    static func random(_ shape: [Int], seed: UInt64 = 7) -> Tensor {
        RandomGenerator(seed: seed).uniform(shape)
    }

    /// An image whose pixel `(c, i, j)` is `100·c + 10·i + j` (every pixel distinct and readable).
    static func indexed(channels: Int, height: Int, width: Int) -> Tensor {
        var v: [Float] = []
        for c in 0..<channels { for i in 0..<height { for j in 0..<width { v.append(Float(100 * c + 10 * i + j)) } } }
        return Tensor(v, shape: [channels, height, width])
    }

    /// The largest absolute difference between two equally shaped tensors.
    static func maxDiff(_ a: Tensor, _ b: Tensor) -> Float {
        precondition(a.shape == b.shape, "maxDiff: shapes \(a.shape) and \(b.shape)")
        return zip(a.scalars, b.scalars).map { abs($0 - $1) }.max() ?? 0
    }

    /// `transform` applied to `image` with the generator of (seed, stream).
    static func apply(_ transform: any Transform, _ image: Tensor, seed: UInt64 = 3, stream: UInt64 = 0) throws
        -> Tensor
    {
        try transform(
            Sample(input: image, target: .classIndex(0)), generator: RandomGenerator(seed: seed, stream: stream)
        ).input
    }

    /// The committed torchvision expectations of `Tests/Fixtures/generate_augment.py`.
    static func fixtureCases() throws -> [[String: Any]] {
        guard let url = Bundle.module.url(forResource: "augment", withExtension: "json", subdirectory: "Fixtures")
        else {
            throw DescentError(.file, "augment.json", "fixture not found in the test bundle")
        }
        let root = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as! [String: Any]
        return root["cases"] as! [[String: Any]]
    }

    /// A fixture list of numbers as `[Double]`.
    static func doubles(_ any: Any?) -> [Double] { (any as! [NSNumber]).map(\.doubleValue) }
}
