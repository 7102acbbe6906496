import Foundation
import Testing

@testable import Descent

@Suite struct ElementwiseTests {
    /// Forward values and gradients against PyTorch (core.json, group "elementwise"); relative tolerance 1e-4.
    @Test func matchesPyTorch() throws {
        let names = try CoreFixture.check(group: "elementwise") { name, x in
            switch name {
            case "add_same", "add_row", "add_scalar_tensor", "add_both_broadcast": return [x[0] + x[1]]
            case "sub_broadcast": return [x[0] - x[1]]
            case "mul_broadcast", "mul_middle": return [x[0] * x[1]]
            case "div_broadcast", "div_lead": return [x[0] / x[1]]
            case "neg": return [-x[0]]
            case "add_scalar": return [x[0] + 1.5]
            case "sub_scalar": return [x[0] - 0.75]
            case "rsub_scalar": return [2 - x[0]]
            case "mul_scalar": return [x[0] * 2.5]
            case "div_scalar": return [x[0] / 4]
            case "rdiv_scalar": return [3 / x[0]]
            case "pow_tensor", "pow_tensor_zero_base": return [x[0].pow(x[1])]
            case "pow_scalar_2": return [x[0].pow(2)]
            case "pow_scalar_3": return [x[0].pow(3)]
            case "pow_scalar_frac": return [x[0].pow(2.5)]
            case "pow_scalar_neg": return [x[0].pow(-1.5)]
            case "maximum": return [Tensor.maximum(x[0], x[1])]
            case "minimum": return [Tensor.minimum(x[0], x[1])]
            default: return nil
            }
        }
        #expect(names.count == 24)
    }

    @Test func broadcastAddExactValues() {
        let a = Tensor([1, 2, 3, 4, 5, 6], shape: [2, 3])
        let b = Tensor([10, 20, 30])
        #expect((a + b).scalars == [11, 22, 33, 14, 25, 36])
        #expect((b + a).scalars == [11, 22, 33, 14, 25, 36])
        let col = Tensor([100, 200], shape: [2, 1])
        #expect((a + col).scalars == [101, 102, 103, 204, 205, 206])
        #expect(
            (Tensor([1, 2], shape: [2, 1]) * Tensor([1, 10, 100], shape: [1, 3])).scalars == [1, 10, 100, 2, 20, 200])
        #expect((a - Tensor(1)).scalars == [0, 1, 2, 3, 4, 5])
        #expect((Tensor(12) / a).scalars == [12, 6, 4, 3, 2.4, 2])
    }

    /// The kernel merges axes and has four inner-loop variants plus a parallel path; every one must agree
    /// with per-element index arithmetic.
    @Test(arguments: [
        ([2, 3, 4], [3, 1]), ([5, 1, 7], [1, 6, 1]), ([4, 1], [1, 5]), ([2, 3, 1, 5], [3, 4, 1]),
        ([1], [3, 2]), ([3, 1, 1], [1, 1, 4]), ([64, 3, 200], [3, 1]), ([2, 1, 40, 500], [2, 40, 1]),
    ])
    func broadcastKernelMatchesNaive(shapes: ([Int], [Int])) {
        let a = TestData.normal(shapes.0, seed: 1), b = TestData.positive(shapes.1, seed: 2)
        for (x, y) in [(a, b), (b, a)] {
            #expect((x + y).isBitwiseEqual(naiveBroadcast(x, y, +)), "add \(x.shape) \(y.shape)")
            #expect((x - y).isBitwiseEqual(naiveBroadcast(x, y, -)), "sub \(x.shape) \(y.shape)")
            #expect((x * y).isBitwiseEqual(naiveBroadcast(x, y, *)), "mul \(x.shape) \(y.shape)")
            #expect(Tensor.maximum(x, y).isBitwiseEqual(naiveBroadcast(x, y, Swift.max)), "max \(x.shape) \(y.shape)")
        }
        #expect((a / b).isBitwiseEqual(naiveBroadcast(a, b, /)))
    }

    @Test func gradientsMatchFiniteDifferences() {
        let pairs: [([Int], [Int])] = [
            ([2, 3], [2, 3]), ([2, 3], [3]), ([2, 1, 4], [3, 1]), ([], [2, 2]), ([3, 1], [1, 2]),
        ]
        for (sa, sb) in pairs {
            let a = TestData.normal(sa, seed: 3), b = TestData.normal(sb, seed: 4), pb = TestData.positive(sb, seed: 5)
            expectGradientsMatchFiniteDifferences([a, b], "add \(sa) \(sb)") { TestData.weightedSum($0[0] + $0[1]) }
            expectGradientsMatchFiniteDifferences([a, b], "sub \(sa) \(sb)") { TestData.weightedSum($0[0] - $0[1]) }
            expectGradientsMatchFiniteDifferences([a, b], "mul \(sa) \(sb)") { TestData.weightedSum($0[0] * $0[1]) }
            expectGradientsMatchFiniteDifferences([a, pb], "div \(sa) \(sb)") { TestData.weightedSum($0[0] / $0[1]) }
            expectGradientsMatchFiniteDifferences([pb, a], "pow \(sb) \(sa)") { TestData.weightedSum($0[0].pow($0[1])) }
        }
    }

    @Test func scalarFormGradientsMatchFiniteDifferences() {
        let a = TestData.normal([2, 3], seed: 6), p = TestData.positive([2, 3], seed: 7)
        expectGradientsMatchFiniteDifferences([a], "neg") { TestData.weightedSum(-$0[0]) }
        expectGradientsMatchFiniteDifferences([a], "a+s, s+a") { TestData.weightedSum(($0[0] + 1.5) * (0.5 + $0[0])) }
        expectGradientsMatchFiniteDifferences([a], "a-s, s-a") { TestData.weightedSum(($0[0] - 1.5) * (0.5 - $0[0])) }
        expectGradientsMatchFiniteDifferences([a], "a*s, s*a") { TestData.weightedSum(($0[0] * 1.5) * (-2 * $0[0])) }
        expectGradientsMatchFiniteDifferences([p], "a/s, s/a") { TestData.weightedSum(($0[0] / 3) + (2 / $0[0])) }
        expectGradientsMatchFiniteDifferences([a], "pow 2") { TestData.weightedSum($0[0].pow(2)) }
        expectGradientsMatchFiniteDifferences([a], "pow 3") { TestData.weightedSum($0[0].pow(3)) }
        expectGradientsMatchFiniteDifferences([p], "pow 0.7") { TestData.weightedSum($0[0].pow(0.7)) }
        expectGradientsMatchFiniteDifferences([p], "pow -2") { TestData.weightedSum($0[0].pow(-2)) }
        expectGradientsMatchFiniteDifferences([a], "pow 1") { TestData.weightedSum($0[0].pow(1)) }
    }

    @Test func maximumMinimumGradients() {
        // No two compared values closer than the finite-difference step.
        let a = Tensor([0.1, -0.4, 0.9, 1.3, -1.1, 0.2], shape: [2, 3])
        let b = Tensor([0.5, -0.7, 0.55])
        expectGradientsMatchFiniteDifferences([a, b], "maximum") { TestData.weightedSum(Tensor.maximum($0[0], $0[1])) }
        expectGradientsMatchFiniteDifferences([a, b], "minimum") { TestData.weightedSum(Tensor.minimum($0[0], $0[1])) }
        // Broadcast gradient of b sums over the rows it was broadcast to.
        let x = a.requiringGrad(), y = b.requiringGrad()
        Tensor.maximum(x, y).sum().backward()
        #expect(x.grad?.scalars == [0, 1, 1, 1, 0, 0])
        #expect(y.grad?.scalars == [1, 1, 1])
    }

    /// PyTorch's gradients of powers where the plain formula gives 0·∞: zero for a zero exponent, and zero
    /// for the exponent's gradient at base 0 (with a non-negative exponent).
    @Test func powGradientsAtZero() {
        let x = Tensor([0, 2]).requiringGrad()
        x.pow(0).sum().backward()
        #expect(x.grad?.scalars == [0, 0])
        let a = Tensor([0, 0, 2]).requiringGrad(), b = Tensor([0, 2, 0]).requiringGrad()
        let r = a.pow(b)
        #expect(r.scalars == [1, 0, 1])
        r.sum().backward()
        #expect(a.grad?.scalars == [0, 0, 0])
        #expect(b.grad?.scalars == [0, 0, Foundation.log(2)])
    }

    @Test func compoundAssignment() {
        var a = Tensor([1, 2, 3, 4], shape: [2, 2])
        let original = a
        a += Tensor([10, 20])
        #expect(a.scalars == [11, 22, 13, 24])
        a -= Tensor([1], shape: [1, 1])
        #expect(a.scalars == [10, 21, 12, 23])
        a *= Tensor([2, 1], shape: [2, 1])
        #expect(a.scalars == [20, 42, 12, 23])
        a /= Tensor(2)
        #expect(a.scalars == [10, 21, 6, 11.5])
        #expect(original.scalars == [1, 2, 3, 4])
    }

    @Test func sumToShapeIsTheAdjointOfBroadcasting() {
        let g = Tensor((1...24).map(Float.init), shape: [2, 3, 4])
        #expect(g.sum(toShape: [3, 1]).shape == [3, 1])
        #expect(g.sum(toShape: [3, 1]).scalars == [68, 100, 132])
        #expect(g.sum(toShape: [4]).scalars == [66, 72, 78, 84])
        #expect(g.sum(toShape: []).scalars == [300])
        #expect(g.sum(toShape: [2, 3, 4]).isBitwiseEqual(g))
        #expect(g.sum(toShape: [2, 1, 1]).scalars == [78, 222])
    }

    @Test func nonFiniteValuesFollowIEEE() {
        let r = Tensor([1, -1, 0]) / Tensor([0, 0, 0])
        #expect(r.scalars[0] == .infinity && r.scalars[1] == -.infinity && r.scalars[2].isNaN)
        #expect(Tensor.maximum(Tensor([.infinity]), Tensor([1])).item == .infinity)
    }
}
