import Descent
import DescentData
import Testing

@Suite struct ColorJitterTests {
    @Test func brightnessScalesAndClamps() {
        let image = Tensor([0, 0.2, 0.5, 0.8], shape: [1, 2, 2])
        #expect(
            ImageTest.maxDiff(
                ColorJitter.adjustBrightness(image, factor: 1.5), Tensor([0, 0.3, 0.75, 1], shape: [1, 2, 2])) < 1e-6)
    }

    @Test func contrastBlendsWithTheGreyMean() throws {
        let grey = Tensor([0, 0.2, 0.6, 0.8], shape: [1, 2, 2])  // mean 0.4
        #expect(
            ImageTest.maxDiff(
                try ColorJitter.adjustContrast(grey, factor: 0.5), Tensor([0.2, 0.3, 0.5, 0.6], shape: [1, 2, 2]))
                < 1e-6)
        // RGB: the mean is that of 0.2989 R + 0.587 G + 0.114 B.
        let rgb = Tensor([1, 1, 0, 0, 0, 0], shape: [3, 1, 2])
        let m: Float = 0.2989
        let out = try ColorJitter.adjustContrast(rgb, factor: 0)
        #expect(out.scalars.allSatisfy { abs($0 - m) < 1e-6 })
    }

    @Test func zeroAmountsAreTheIdentity() throws {
        let image = ImageTest.random([3, 4, 4])
        #expect(try ImageTest.apply(ColorJitter(), image) == image)
    }

    @Test func factorsFollowTorchvisionRanges() {
        let t = ColorJitter(brightness: 0.4, contrast: 1.5)
        #expect(t.brightness == 0.6...1.4)
        #expect(t.contrast == 0...2.5)
    }

    @Test func sameStreamSameResultDifferentStreamsDiffer() throws {
        let image = ImageTest.random([3, 5, 5])
        let t = ColorJitter(brightness: 0.5, contrast: 0.5)
        #expect(try ImageTest.apply(t, image, stream: 6) == ImageTest.apply(t, image, stream: 6))
        #expect(try ImageTest.apply(t, image, stream: 6) != ImageTest.apply(t, image, stream: 7))
    }
}
