import Descent
import DescentData
import Testing

/// Every random image transform: the same (seed, stream) gives bitwise the same output, different streams give
/// different outputs, and composing them (as the loader does) keeps both properties.
@Suite struct ImageTransformDeterminismTests {
    static let transforms: [(String, any Transform)] = [
        ("hflip", RandomHorizontalFlip()), ("vflip", RandomVerticalFlip()),
        ("affine", RandomAffine(degrees: 20, translate: (x: 0.1, y: 0.1), scale: 0.9...1.1, shear: 5)),
        ("rotation", RandomRotation(degrees: 30)), ("perspective", RandomPerspective()),
        ("crop", RandomCrop(size: 10, padding: 2)),
        ("resized-crop", RandomResizedCrop(size: 10)), ("jitter", ColorJitter(brightness: 0.3, contrast: 0.3)),
        ("noise", GaussianNoise(std: 0.05)), ("erasing", RandomErasing()),
    ]

    @Test(arguments: 0..<transforms.count)
    func deterministicPerStreamAndVariesAcrossStreams(_ k: Int) throws {
        let (name, t) = Self.transforms[k]
        let image = ImageTest.random([3, 10, 10], seed: 21)
        var outputs: [[Float]] = []
        for stream in 0..<8 {
            let a = try ImageTest.apply(t, image, seed: 4, stream: UInt64(stream))
            let b = try ImageTest.apply(t, image, seed: 4, stream: UInt64(stream))
            #expect(a == b, "\(name): stream \(stream) is not reproducible")
            #expect(a.shape == [3, 10, 10])
            outputs.append(a.scalars)
        }
        #expect(Set(outputs).count > 1, "\(name): every stream gave the same output")
    }

    @Test func composedPipelineIsReproducible() throws {
        let pipeline = Compose(Self.transforms.map(\.1))
        let image = ImageTest.random([1, 10, 10], seed: 22)
        #expect(try ImageTest.apply(pipeline, image, stream: 3) == ImageTest.apply(pipeline, image, stream: 3))
        #expect(try ImageTest.apply(pipeline, image, stream: 3) != ImageTest.apply(pipeline, image, stream: 4))
    }
}
