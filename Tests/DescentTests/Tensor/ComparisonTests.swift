import Testing

@testable import Descent

@Suite struct ComparisonTests {
    /// Masks and `where` (values and gradients) against PyTorch (core.json, group "comparison");
    /// relative tolerance 1e-4.
    @Test func matchesPyTorch() throws {
        let names = try CoreFixture.check(group: "comparison") { name, x in
            switch name {
            case "eq": return [x[0] .== x[1]]
            case "ne": return [x[0] .!= x[1]]
            case "lt", "lt_broadcast_both": return [x[0] .< x[1]]
            case "le": return [x[0] .<= x[1]]
            case "gt": return [x[0] .> x[1]]
            case "ge": return [x[0] .>= x[1]]
            case "eq_scalar": return [x[0] .== 1]
            case "lt_scalar": return [x[0] .< 1]
            case "le_scalar": return [x[0] .<= 1]
            case "gt_scalar": return [x[0] .> 1]
            case "ge_scalar": return [x[0] .>= 1]
            case "where_same", "where_broadcast": return [Tensor.where(x[0], x[1], x[2])]
            default: return nil
            }
        }
        #expect(names.count == 14)
    }

    @Test func exactMasks() {
        let a = Tensor([1, 2, 3]), b = Tensor([3, 2, 1])
        #expect((a .== b).scalars == [0, 1, 0])
        #expect((a .!= b).scalars == [1, 0, 1])
        #expect((a .< b).scalars == [1, 0, 0])
        #expect((a .<= b).scalars == [1, 1, 0])
        #expect((a .> b).scalars == [0, 0, 1])
        #expect((a .>= b).scalars == [0, 1, 1])
        #expect((a .> 1.5).scalars == [0, 1, 1])
        #expect((Tensor([.nan]) .== Tensor([.nan])).item == 0)
        #expect((Tensor([1, 2], shape: [2, 1]) .< Tensor([0, 1.5, 3])).scalars == [0, 1, 1, 0, 0, 1])
    }

    @Test func masksAreNotDifferentiable() {
        let a = Tensor([1, 2, 3]).requiringGrad()
        #expect(!(a .< Tensor(2)).requiresGrad)
        #expect(!(a .>= 2).requiresGrad)
    }

    @Test func whereSelectsAndRoutesGradients() {
        let mask = Tensor([1, 0, 1], shape: [3, 1])
        let a = Tensor([1, 2], shape: [1, 2]).requiringGrad(), b = Tensor(-1).requiringGrad()
        let r = Tensor.where(mask, a, b)
        #expect(r.shape == [3, 2] && r.scalars == [1, 2, -1, -1, 1, 2])
        r.backward(Tensor([1, 2, 3, 4, 5, 6], shape: [3, 2]))
        #expect(a.grad?.scalars == [6, 8])
        #expect(b.grad?.scalars == [7])
        // Any non-zero mask value selects `a`.
        #expect(Tensor.where(Tensor([0.5, -2, 0]), Tensor([1, 1, 1]), Tensor([0, 0, 0])).scalars == [1, 1, 0])
    }

    @Test func whereGradientsMatchFiniteDifferences() {
        let mask = Tensor([1, 0, 0, 1, 1, 0], shape: [2, 3, 1])
        let a = TestData.normal([3, 4], seed: 91), b = TestData.normal([2, 1, 4], seed: 92)
        expectGradientsMatchFiniteDifferences([a, b], "where") {
            TestData.weightedSum(Tensor.where(mask, $0[0], $0[1]).exp())
        }
    }
}
