import Descent
import DescentData
import Testing

@Suite struct RandomCropTests {
    @Test func cropWithZeroPaddingAtAForcedOffset() throws {
        let image = ImageTest.indexed(channels: 2, height: 3, width: 4)
        let out = try RandomCrop.crop(image, top: -1, left: 2, height: 2, width: 3)
        #expect(out.shape == [2, 2, 3])
        #expect(out.scalars == [0, 0, 0, 2, 3, 0, 0, 0, 0, 102, 103, 0])
    }

    @Test func cropWithReflectPadding() throws {
        let image = Tensor([1, 2, 3, 4, 5, 6], shape: [2, 3])
        let out = try RandomCrop.crop(image, top: -1, left: -2, height: 4, width: 7, paddingMode: .reflect)
        #expect(out.shape == [4, 7])
        #expect(
            out.scalars == [
                6, 5, 4, 5, 6, 5, 4,
                3, 2, 1, 2, 3, 2, 1,
                6, 5, 4, 5, 6, 5, 4,
                3, 2, 1, 2, 3, 2, 1,
            ])
    }

    @Test func randomCropHasTheRightSizeAndIsAWindowOfThePaddedImage() throws {
        let image = ImageTest.indexed(channels: 1, height: 6, width: 6)
        let t = RandomCrop(size: 6, padding: 2)
        var offsets = Set<[Int]>()
        for stream in 0..<60 {
            let out = try ImageTest.apply(t, image, stream: UInt64(stream))
            #expect(out.shape == [1, 6, 6])
            // Find the offset: the window equals crop(top, left) for exactly one (top, left) in −2...2.
            var found: [Int]? = nil
            for top in -2...2 {
                for left in -2...2 where try RandomCrop.crop(image, top: top, left: left, height: 6, width: 6) == out {
                    found = [top, left]
                }
            }
            let f = try #require(found)
            offsets.insert(f)
        }
        #expect(offsets.count > 10)
    }

    @Test func cropLargerThanThePaddedImageThrows() {
        #expect(throws: DescentError.self) {
            try ImageTest.apply(RandomCrop(size: 9, padding: 1), ImageTest.random([1, 6, 6]))
        }
    }

    @Test func sameStreamSameResultDifferentStreamsDiffer() throws {
        let image = ImageTest.random([3, 10, 10])
        let t = RandomCrop(size: 8, padding: 2, paddingMode: .reflect)
        #expect(try ImageTest.apply(t, image, stream: 1) == ImageTest.apply(t, image, stream: 1))
        let outs = try (0..<5).map { try ImageTest.apply(t, image, stream: UInt64($0)) }
        #expect(Set(outs.map(\.scalars)).count > 1)
    }
}
