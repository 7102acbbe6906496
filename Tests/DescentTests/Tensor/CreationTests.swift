import Testing

@testable import Descent

@Suite struct CreationTests {
    /// Factory outputs against PyTorch (core.json, group "creation"); relative tolerance 1e-4.
    @Test func matchesPyTorch() throws {
        let names = try CoreFixture.check(group: "creation") { name, _ in
            switch name {
            case "zeros": return [Tensor.zeros([2, 3])]
            case "ones": return [Tensor.ones([3, 1, 2])]
            case "full": return [Tensor.full([2, 2], 2.5)]
            case "arange_end": return [Tensor.arange(5)]
            case "arange_step": return [Tensor.arange(1, 2.6, step: 0.5)]
            case "arange_negative_step": return [Tensor.arange(5, 0, step: -1.5)]
            case "arange_fraction": return [Tensor.arange(-1, 1, step: 0.3)]
            case "linspace_5": return [Tensor.linspace(0, 1, count: 5)]
            case "linspace_7": return [Tensor.linspace(-1, 2, count: 7)]
            case "linspace_down": return [Tensor.linspace(3, -3, count: 4)]
            case "linspace_1": return [Tensor.linspace(2, 5, count: 1)]
            case "eye_3": return [Tensor.eye(3)]
            case "eye_2x4": return [Tensor.eye(2, 4)]
            case "eye_4x2": return [Tensor.eye(4, 2)]
            case "one_hot": return [Tensor.oneHot([2, 0, 3, 2], classes: 4)]
            default: return nil
            }
        }
        #expect(names.count == 15)
    }

    @Test func exactValues() {
        #expect(Tensor.arange(4).scalars == [0, 1, 2, 3])
        #expect(Tensor.arange(1, 4).scalars == [1, 2, 3])
        #expect(Tensor.arange(2, 2).count == 0)
        #expect(Tensor.arange(0, 1, step: 0.25).scalars == [0, 0.25, 0.5, 0.75])
        // linspace hits both end points exactly.
        let l = Tensor.linspace(-1, 1, count: 11)
        #expect(l.scalars.first == -1 && l.scalars.last == 1 && l.scalars[5] == 0)
        #expect(Tensor.linspace(0, 1, count: 0).shape == [0])
        #expect(Tensor.eye(2).scalars == [1, 0, 0, 1])
        #expect(Tensor.oneHot([1, 0], classes: 3).scalars == [0, 1, 0, 1, 0, 0])
        #expect(Tensor.full([2], -3).scalars == [-3, -3])
        let t = Tensor.ones([2, 3])
        #expect(Tensor.zeros(like: t).shape == [2, 3] && Tensor.zeros(like: t).scalars.allSatisfy { $0 == 0 })
        #expect(Tensor.ones(like: t).scalars == t.scalars)
        #expect(Tensor.zeros([]).shape == [] && Tensor.zeros([]).count == 1)
        #expect(Tensor.zeros([3, 0]).count == 0)
        #expect(!Tensor.ones([2]).requiresGrad)
    }
}
