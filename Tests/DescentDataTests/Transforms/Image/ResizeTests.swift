import Foundation
import Testing

@testable import Descent
@testable import DescentData

/// `Resize` against torchvision's `resize(x, size, BILINEAR, antialias=True)` on float images
/// (`Tests/Fixtures/generate_images.py`): shrinking by non-integer factors, enlarging, and CIFAR-sized images to
/// MNIST's size, within 1e-5 absolute (float32 sums in another order).
@Suite struct ResizeTests {
    struct Case: Decodable {
        let shape: [Int], size: [Int]
        let input: [Float], output: [Float]
    }
    struct Fixture: Decodable { let resize: [Case] }

    @Test func matchesTorchvisionsAntialiasedBilinear() throws {
        let url = Bundle.module.url(forResource: "images", withExtension: nil, subdirectory: "Fixtures")!
        let fixture = try JSONDecoder().decode(
            Fixture.self, from: try Data(contentsOf: url.appendingPathComponent("images.json")))
        #expect(fixture.resize.count == 4)
        for c in fixture.resize {
            let y = try Resize.resize(Tensor(c.input, shape: c.shape), height: c.size[0], width: c.size[1])
            #expect(y.shape == [c.shape[0]] + c.size)
            let worst = zip(y.scalars, c.output).map { abs($0 - $1) }.max()!
            #expect(worst < 1e-5, "\(c.shape) → \(c.size): largest difference \(worst)")
        }
    }

    @Test func aSampleKeepsItsLabel() throws {
        let sample = Sample(input: Tensor.ones([1, 4, 4]), target: .classIndex(3))
        let out = try Resize(height: 2, width: 3)(sample, generator: RandomGenerator(seed: 1))
        #expect(out.input.shape == [1, 2, 3] && out.target.classIndex == 3)
        #expect(out.input.scalars.allSatisfy { abs($0 - 1) < 1e-6 })  // weights sum to 1
    }
}
