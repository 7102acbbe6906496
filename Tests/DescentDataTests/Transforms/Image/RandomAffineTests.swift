import Descent
import DescentData
import Testing

@Suite struct RandomAffineTests {
    @Test func zeroRangesAreTheIdentity() throws {
        let image = ImageTest.random([3, 6, 5])
        let t = RandomAffine(degrees: 0, translate: (x: 0, y: 0), scale: 1...1, shear: 0)
        #expect(ImageTest.maxDiff(try ImageTest.apply(t, image), image) == 0)
    }

    @Test func fixedNinetyDegreesRotatesClockwise() throws {
        let image = Tensor((1...9).map(Float.init), shape: [3, 3])
        let out = try ImageTest.apply(RandomAffine(degreesRange: 90...90), image)
        #expect(out.shape == [3, 3])
        #expect(ImageTest.maxDiff(out, Tensor([7, 4, 1, 8, 5, 2, 9, 6, 3], shape: [3, 3])) < 1e-5)
    }

    @Test func parametersStayInTheirRanges() {
        let t = RandomAffine(degrees: 20, translate: (x: 0.1, y: 0.2), scale: 0.8...1.2, shear: 10)
        for stream in 0..<200 {
            let p = t.parameters(width: 30, height: 20, generator: RandomGenerator(seed: 1, stream: UInt64(stream)))
            #expect(abs(p.angle) <= 20)
            #expect(abs(p.translate.x) <= 3 && abs(p.translate.y) <= 4)
            #expect(p.translate.x == p.translate.x.rounded() && p.translate.y == p.translate.y.rounded())
            #expect(p.scale >= 0.8 && p.scale <= 1.2)
            #expect(abs(p.shear.x) <= 10 && p.shear.y == 0)
        }
    }

    @Test func sameStreamSameResultDifferentStreamsDiffer() throws {
        let image = ImageTest.random([1, 8, 8])
        let t = RandomAffine(degrees: 30, translate: (x: 0.2, y: 0.2), scale: 0.7...1.3, shear: 15)
        #expect(try ImageTest.apply(t, image, stream: 4) == ImageTest.apply(t, image, stream: 4))
        #expect(try ImageTest.apply(t, image, stream: 4) != ImageTest.apply(t, image, stream: 5))
    }
}
