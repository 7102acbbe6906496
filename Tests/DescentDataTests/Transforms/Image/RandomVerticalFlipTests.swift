import Descent
import DescentData
import Testing

@Suite struct RandomVerticalFlipTests {
    @Test func flipsAKnownImage() throws {
        let image = Tensor([1, 2, 3, 4, 5, 6], shape: [1, 2, 3])
        let out = try ImageTest.apply(RandomVerticalFlip(p: 1), image)
        #expect(out.shape == [1, 2, 3])
        #expect(out.scalars == [4, 5, 6, 1, 2, 3])
    }

    @Test func flipsEveryChannel() throws {
        let image = ImageTest.indexed(channels: 2, height: 3, width: 2)
        #expect(try RandomVerticalFlip.flip(image).scalars == [20, 21, 10, 11, 0, 1, 120, 121, 110, 111, 100, 101])
    }

    @Test func probabilityZeroIsIdentity() throws {
        let image = ImageTest.random([2, 4, 4])
        for stream in 0..<20 {
            #expect(try ImageTest.apply(RandomVerticalFlip(p: 0), image, stream: UInt64(stream)) == image)
        }
    }
}
