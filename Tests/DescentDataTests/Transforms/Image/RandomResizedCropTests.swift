import Descent
import DescentData
import Testing

@Suite struct RandomResizedCropTests {
    @Test func outputHasTheRequestedSize() throws {
        let t = RandomResizedCrop(height: 12, width: 10)
        for stream in 0..<20 {
            #expect(
                try ImageTest.apply(t, ImageTest.random([3, 20, 16]), stream: UInt64(stream)).shape == [3, 12, 10])
            #expect(try ImageTest.apply(t, ImageTest.random([20, 16]), stream: UInt64(stream)).shape == [12, 10])
        }
    }

    @Test func windowsRespectScaleAndRatio() {
        let t = RandomResizedCrop(size: 8, scale: 0.25...0.5, ratio: 0.5...2)
        for stream in 0..<200 {
            let w = t.window(
                imageHeight: 40, imageWidth: 40, generator: RandomGenerator(seed: 5, stream: UInt64(stream)))
            #expect(w.top >= 0 && w.left >= 0 && w.top + w.height <= 40 && w.left + w.width <= 40)
            let area = Double(w.height * w.width) / 1600
            #expect(area > 0.2 && area < 0.56)
            let r = Double(w.width) / Double(w.height)
            #expect(r > 0.45 && r < 2.2)
        }
    }

    @Test func fullScaleSquareWindowIsTheWholeImage() throws {
        let image = ImageTest.random([1, 9, 9])
        let out = try ImageTest.apply(RandomResizedCrop(size: 9, scale: 1...1, ratio: 1...1), image)
        #expect(ImageTest.maxDiff(out, image) < 1e-6)
    }

    @Test func sameStreamSameResultDifferentStreamsDiffer() throws {
        let image = ImageTest.random([1, 16, 16])
        let t = RandomResizedCrop(size: 8)
        #expect(try ImageTest.apply(t, image, stream: 2) == ImageTest.apply(t, image, stream: 2))
        #expect(try ImageTest.apply(t, image, stream: 2) != ImageTest.apply(t, image, stream: 3))
    }
}
