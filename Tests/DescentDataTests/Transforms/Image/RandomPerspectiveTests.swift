import Descent
import DescentData
import Testing

@Suite struct RandomPerspectiveTests {
    @Test func zeroDistortionIsTheIdentity() throws {
        let image = ImageTest.random([3, 6, 9])
        let out = try ImageTest.apply(RandomPerspective(distortionScale: 0, p: 1), image)
        #expect(ImageTest.maxDiff(out, image) < 1e-5)
    }

    @Test func probabilityZeroIsIdentity() throws {
        let image = ImageTest.random([1, 6, 6])
        for stream in 0..<10 {
            #expect(
                try ImageTest.apply(RandomPerspective(distortionScale: 0.8, p: 0), image, stream: UInt64(stream))
                    == image)
        }
    }

    @Test func cornersMoveInwardsWithinTheScale() {
        let t = RandomPerspective(distortionScale: 0.5, p: 1)
        for stream in 0..<100 {
            let c = t.corners(width: 20, height: 10, generator: RandomGenerator(seed: 2, stream: UInt64(stream)))
            #expect(c.start.map(\.x) == [0, 19, 19, 0] && c.start.map(\.y) == [0, 0, 9, 9])
            let e = c.end
            #expect(e[0].x >= 0 && e[0].x <= 5 && e[0].y >= 0 && e[0].y <= 2)
            #expect(e[1].x >= 14 && e[1].x <= 19 && e[1].y >= 0 && e[1].y <= 2)
            #expect(e[2].x >= 14 && e[2].x <= 19 && e[2].y >= 7 && e[2].y <= 9)
            #expect(e[3].x >= 0 && e[3].x <= 5 && e[3].y >= 7 && e[3].y <= 9)
        }
    }

    @Test func sameStreamSameResultDifferentStreamsDiffer() throws {
        let image = ImageTest.random([1, 12, 12])
        let t = RandomPerspective(distortionScale: 0.6, p: 1)
        #expect(try ImageTest.apply(t, image, stream: 8) == ImageTest.apply(t, image, stream: 8))
        #expect(try ImageTest.apply(t, image, stream: 8) != ImageTest.apply(t, image, stream: 9))
    }
}
