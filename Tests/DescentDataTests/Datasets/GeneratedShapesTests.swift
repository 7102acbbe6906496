import Foundation
import Testing

@testable import Descent
@testable import DescentData

@Suite struct GeneratedShapesTests {
    @Test func samplesAreDeterministicAndLabelled() {
        let data = GeneratedShapes(count: 40, seed: 7)
        let a = data.sample(at: 13), b = GeneratedShapes(count: 40, seed: 7).sample(at: 13)
        #expect(a.input.shape == [1, 28, 28])
        #expect(a.input.isBitwiseEqual(b.input))
        #expect(a.target == .classIndex(3))
        #expect(!data.sample(at: 13).input.isBitwiseEqual(GeneratedShapes(count: 40, seed: 8).sample(at: 13).input))
    }

    @Test func pixelsAreInUnitRangeAndShapesHaveInk() {
        let data = GeneratedShapes(count: 20, seed: 1)
        for i in 0..<20 {
            let v = data.sample(at: i).input.scalars
            #expect(v.allSatisfy { $0 >= 0 && $0 <= 1 })
            let ink = v.filter { $0 > 0.5 }.count
            #expect(ink > 15 && ink < 500, "sample \(i) (class \(i % 10)) has \(ink) inked pixels")
        }
    }

    @Test func filledShapesHaveMoreInkThanOutlines() {
        // Disks and filled squares cover more pixels than their outlines on average.
        let data = GeneratedShapes(count: 200, seed: 3)
        func ink(_ c: Int) -> Int {
            stride(from: c, to: 200, by: 10).map { data.sample(at: $0).input.scalars.filter { $0 > 0.5 }.count }.reduce(
                0, +)
        }
        #expect(ink(0) > ink(1))
        #expect(ink(2) > ink(3))
    }
}
