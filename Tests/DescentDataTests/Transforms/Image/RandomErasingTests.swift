import Descent
import DescentData
import Testing

@Suite struct RandomErasingTests {
    @Test func eraseFillsExactlyTheRectangle() throws {
        let image = ImageTest.indexed(channels: 2, height: 4, width: 5)
        let out = try RandomErasing.erase(image, top: 1, left: 2, height: 2, width: 3, value: -1)
        for c in 0..<2 {
            for i in 0..<4 {
                for j in 0..<5 {
                    let inside = (1..<3).contains(i) && (2..<5).contains(j)
                    #expect(out[index: c, i, j] == (inside ? -1 : image[index: c, i, j]))
                }
            }
        }
        #expect(throws: DescentError.self) {
            try RandomErasing.erase(image, top: 3, left: 0, height: 2, width: 1, value: 0)
        }
    }

    @Test func randomErasingErasesARectangleOfTheDrawnArea() throws {
        let image = Tensor.full([3, 20, 30], 1)
        let t = RandomErasing(p: 1, scale: 0.1...0.2, ratio: 0.5...2, value: 0)
        for stream in 0..<50 {
            let g = RandomGenerator(seed: 3, stream: UInt64(stream))
            let out = try t(Sample(input: image, target: .classIndex(0)), generator: g).input
            // The same draws, replayed: the coin, then the rectangle.
            let replay = RandomGenerator(seed: 3, stream: UInt64(stream))
            _ = replay.uniformFloat()
            let r = try #require(t.rectangle(imageHeight: 20, imageWidth: 30, generator: replay))
            let zeros = out.scalars.filter { $0 == 0 }.count
            #expect(zeros == 3 * r.height * r.width)
            let area = Double(r.height * r.width) / 600
            #expect(area > 0.07 && area < 0.25)
            for c in 0..<3 {
                for i in 0..<20 {
                    for j in 0..<30 {
                        let inside =
                            (r.top..<(r.top + r.height)).contains(i) && (r.left..<(r.left + r.width)).contains(j)
                        #expect(out[index: c, i, j] == (inside ? 0 : 1))
                    }
                }
            }
        }
    }

    @Test func probabilityZeroIsIdentity() throws {
        let image = ImageTest.random([1, 8, 8])
        for stream in 0..<10 {
            #expect(try ImageTest.apply(RandomErasing(p: 0), image, stream: UInt64(stream)) == image)
        }
    }

    @Test func sameStreamSameResultDifferentStreamsDiffer() throws {
        let image = ImageTest.random([1, 16, 16])
        let t = RandomErasing(p: 1, value: nil)
        #expect(try ImageTest.apply(t, image, stream: 1) == ImageTest.apply(t, image, stream: 1))
        #expect(try ImageTest.apply(t, image, stream: 1) != ImageTest.apply(t, image, stream: 2))
    }
}
