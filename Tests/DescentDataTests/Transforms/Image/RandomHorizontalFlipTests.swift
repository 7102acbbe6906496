import Descent
import DescentData
import Testing

@Suite struct RandomHorizontalFlipTests {
    @Test func flipsAKnownImage() throws {
        let image = Tensor([1, 2, 3, 4, 5, 6], shape: [1, 2, 3])
        let out = try ImageTest.apply(RandomHorizontalFlip(p: 1), image)
        #expect(out.shape == [1, 2, 3])
        #expect(out.scalars == [3, 2, 1, 6, 5, 4])
    }

    @Test func flipsEveryChannelAndRank2Images() throws {
        let image = ImageTest.indexed(channels: 2, height: 2, width: 3)
        #expect(try RandomHorizontalFlip.flip(image).scalars == [2, 1, 0, 12, 11, 10, 102, 101, 100, 112, 111, 110])
        let rank2 = Tensor([1, 2, 3, 4, 5, 6], shape: [2, 3])
        let out = try RandomHorizontalFlip.flip(rank2)
        #expect(out.shape == [2, 3])
        #expect(out.scalars == [3, 2, 1, 6, 5, 4])
    }

    @Test func probabilityZeroIsIdentity() throws {
        let image = ImageTest.random([3, 5, 4])
        for stream in 0..<20 {
            #expect(try ImageTest.apply(RandomHorizontalFlip(p: 0), image, stream: UInt64(stream)) == image)
        }
    }

    @Test func flipsAboutHalfTheTime() throws {
        let image = ImageTest.random([1, 3, 4])
        let flipped = try RandomHorizontalFlip.flip(image)
        var count = 0
        for stream in 0..<400
        where try ImageTest.apply(RandomHorizontalFlip(), image, stream: UInt64(stream)) == flipped {
            count += 1
        }
        #expect(count > 150 && count < 250)
    }

    @Test func rejectsNonImages() {
        #expect(throws: DescentError.self) { try ImageTest.apply(RandomHorizontalFlip(p: 1), Tensor([1, 2, 3])) }
    }
}
