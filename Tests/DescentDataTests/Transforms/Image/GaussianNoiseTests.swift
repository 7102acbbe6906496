import Descent
import DescentData
import Testing

@Suite struct GaussianNoiseTests {
    @Test func zeroStdIsTheIdentity() throws {
        let image = ImageTest.random([2, 4, 4])
        #expect(try ImageTest.apply(GaussianNoise(std: 0), image) == image)
    }

    @Test func noiseHasTheRequestedStatistics() throws {
        let image = Tensor.full([1, 100, 100], 0.5)
        let out = try ImageTest.apply(GaussianNoise(std: 0.1, clip: false), image)
        let d = out.scalars.map { Double($0) - 0.5 }
        let mean = d.reduce(0, +) / Double(d.count)
        let std = (d.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(d.count)).squareRoot()
        #expect(abs(mean) < 0.005)
        #expect(abs(std - 0.1) < 0.005)
    }

    @Test func clipKeepsValuesInTheUnitInterval() throws {
        let out = try ImageTest.apply(GaussianNoise(std: 1), ImageTest.random([1, 10, 10]))
        #expect(out.scalars.allSatisfy { $0 >= 0 && $0 <= 1 })
    }

    @Test func sameStreamSameResultDifferentStreamsDiffer() throws {
        let image = ImageTest.random([1, 5, 5])
        let t = GaussianNoise(std: 0.1)
        #expect(try ImageTest.apply(t, image, stream: 1) == ImageTest.apply(t, image, stream: 1))
        #expect(try ImageTest.apply(t, image, stream: 1) != ImageTest.apply(t, image, stream: 2))
    }
}
