import Descent
import DescentData
import Testing

@Suite struct RandomRotationTests {
    @Test func ninetyDegreesIsTheExactCounterClockwiseRotation() throws {
        let image = ImageTest.indexed(channels: 2, height: 4, width: 4)
        let out = try ImageTest.apply(RandomRotation(range: 90...90), image)
        for c in 0..<2 {
            for i in 0..<4 {
                for j in 0..<4 {
                    #expect(abs(out[index: c, i, j] - image[index: c, j, 3 - i]) < 1e-4)
                }
            }
        }
    }

    @Test func zeroDegreesIsTheIdentity() throws {
        let image = ImageTest.random([1, 5, 7])
        #expect(ImageTest.maxDiff(try ImageTest.apply(RandomRotation(degrees: 0), image), image) == 0)
    }

    @Test func sameStreamSameResultDifferentStreamsDiffer() throws {
        let image = ImageTest.random([1, 6, 6])
        let t = RandomRotation(degrees: 45)
        #expect(try ImageTest.apply(t, image, stream: 1) == ImageTest.apply(t, image, stream: 1))
        #expect(try ImageTest.apply(t, image, stream: 1) != ImageTest.apply(t, image, stream: 2))
    }
}
