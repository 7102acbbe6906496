import Foundation
import Testing

@testable import Descent

@Suite struct ReductionTests {
    /// Integer results (indices) as a float tensor of the given shape, the way core.json stores them.
    static func indices(_ i: [Int], _ shape: [Int]) -> Tensor { Tensor(i.map(Float.init), shape: shape) }

    /// Forward values and gradients against PyTorch (core.json, group "reductions"); relative tolerance 1e-4.
    @Test func matchesPyTorch() throws {
        let names = try CoreFixture.check(group: "reductions") { name, x in
            let a = x[0]
            switch name {
            case "sum_all": return [a.sum()]
            case "sum_axis0": return [a.sum(axis: 0)]
            case "sum_axis_last": return [a.sum(axis: -1)]
            case "sum_axes_keepdim": return [a.sum(alongAxes: [0, 2], keepingDims: true)]
            case "sum_axis1_keepdim": return [a.sum(axis: 1, keepingDims: true)]
            case "mean_all": return [a.mean()]
            case "mean_axis1_keepdim": return [a.mean(axis: 1, keepingDims: true)]
            case "mean_axes": return [a.mean(alongAxes: [0, 2])]
            case "var_axis1_c0": return [a.variance(axis: 1, correction: 0)]
            case "var_axis1_c1": return [a.variance(axis: 1)]
            case "var_axes_keepdim_c1": return [a.variance(alongAxes: [0, 2], correction: 1, keepingDims: true)]
            case "var_all_c0": return [a.variance(correction: 0)]
            case "var_all_c1": return [a.variance()]
            case "std_axis0_c0": return [a.standardDeviation(axis: 0, correction: 0)]
            case "std_axis0_c1": return [a.standardDeviation(axis: 0, correction: 1)]
            case "std_axes_keepdim_c0":
                return [a.standardDeviation(alongAxes: [1, 2], correction: 0, keepingDims: true)]
            case "std_all_c1": return [a.standardDeviation()]
            case "max_axis1":
                let r = a.max(axis: 1)
                return [r.values, Self.indices(r.indices, r.values.shape)]
            case "max_axis0_keepdim":
                let r = a.max(axis: 0, keepingDims: true)
                return [r.values, Self.indices(r.indices, r.values.shape)]
            case "min_axis_last":
                let r = a.min(axis: -1)
                return [r.values, Self.indices(r.indices, r.values.shape)]
            case "min_axis1_keepdim":
                let r = a.min(axis: 1, keepingDims: true)
                return [r.values, Self.indices(r.indices, r.values.shape)]
            case "max_all": return [a.max()]
            case "min_all": return [a.min()]
            case "argmax_axis1": return [Self.indices(a.argmax(axis: 1), [2, 4])]
            case "argmin_axis0": return [Self.indices(a.argmin(axis: 0), [3, 4])]
            case "argmax_all": return [Self.indices([a.argmax()], [])]
            case "argmin_all": return [Self.indices([a.argmin()], [])]
            case "logsumexp_axis1": return [a.logSumExp(axis: 1)]
            case "logsumexp_axis0_keepdim": return [a.logSumExp(axis: 0, keepingDims: true)]
            case "logsumexp_large": return [a.logSumExp(axis: -1)]
            case "norm2_all": return [a.norm()]
            case "norm1_all": return [a.norm(p: 1)]
            case "norm3_all": return [a.norm(p: 3)]
            case "norm2_axis1_keepdim": return [a.norm(axis: 1, keepingDims: true)]
            case "norm2_zero_row": return [a.norm(axis: 1)]
            case "norm3_zero_all": return [a.norm(p: 3)]
            case "norm1_axis0": return [a.norm(p: 1, axis: 0)]
            default: return nil
            }
        }
        #expect(names.count == 37)
    }

    @Test func gradientsMatchFiniteDifferences() {
        let x = TestData.normal([2, 3, 4], seed: 21), y = TestData.normal([4, 3], seed: 22)
        expectGradientsMatchFiniteDifferences([x], "sum") { TestData.weightedSum($0[0].sum().reshaped([1]) * $0[0]) }
        expectGradientsMatchFiniteDifferences([x], "sum axes") {
            TestData.weightedSum($0[0].sum(alongAxes: [0, 2]).exp())
        }
        expectGradientsMatchFiniteDifferences([x], "sum keepdim") {
            TestData.weightedSum($0[0].sum(axis: 1, keepingDims: true) * $0[0])
        }
        expectGradientsMatchFiniteDifferences([x], "mean") { TestData.weightedSum($0[0].mean(axis: -1).exp()) }
        expectGradientsMatchFiniteDifferences([x], "mean all") { $0[0].mean().exp() }
        expectGradientsMatchFiniteDifferences([y], "var c0") {
            TestData.weightedSum($0[0].variance(axis: 0, correction: 0))
        }
        expectGradientsMatchFiniteDifferences([y], "var c1") {
            TestData.weightedSum($0[0].variance(axis: 1, correction: 1))
        }
        expectGradientsMatchFiniteDifferences([x], "var axes keepdim") {
            TestData.weightedSum($0[0].variance(alongAxes: [0, 2], keepingDims: true) * $0[0])
        }
        expectGradientsMatchFiniteDifferences([y], "std") { TestData.weightedSum($0[0].standardDeviation(axis: 1)) }
        expectGradientsMatchFiniteDifferences([y], "std all") { $0[0].standardDeviation(correction: 0) }
        expectGradientsMatchFiniteDifferences([y], "logsumexp") { TestData.weightedSum($0[0].logSumExp(axis: 0)) }
        expectGradientsMatchFiniteDifferences([x * 3], "logsumexp keepdim") {
            TestData.weightedSum($0[0].logSumExp(axis: 1, keepingDims: true) - $0[0])
        }
        let k = TestData.away(from: [0], [3, 4], seed: 23)
        expectGradientsMatchFiniteDifferences([k], "norm 2") { $0[0].norm() }
        expectGradientsMatchFiniteDifferences([k], "norm 1") { $0[0].norm(p: 1) }
        expectGradientsMatchFiniteDifferences([k], "norm 3") { $0[0].norm(p: 3) }
        expectGradientsMatchFiniteDifferences([k], "norm axis") { TestData.weightedSum($0[0].norm(axis: 1)) }
        expectGradientsMatchFiniteDifferences([k], "norm 1.5 axis") {
            TestData.weightedSum($0[0].norm(p: 1.5, axis: 0))
        }
    }

    @Test func maxMinGradientsGoToTheExtremes() {
        // Distinct values (a permutation of multiples of 0.1): no ties within a finite-difference step.
        let perm = RandomGenerator(seed: 24).permutation(24)
        let x = Tensor(perm.map { Float($0) * 0.1 - 1.2 }, shape: [2, 3, 4])
        for axis in [0, 1, 2, -1] {
            expectGradientsMatchFiniteDifferences([x], "max axis \(axis)") {
                TestData.weightedSum($0[0].max(axis: axis).values)
            }
            expectGradientsMatchFiniteDifferences([x], "min axis \(axis)") {
                TestData.weightedSum($0[0].min(axis: axis, keepingDims: true).values)
            }
        }
        expectGradientsMatchFiniteDifferences([x], "max all") { $0[0].max() * 2 }
        expectGradientsMatchFiniteDifferences([x], "min all") { $0[0].min() * 3 }
    }

    @Test func exactValuesAndShapes() {
        let x = Tensor((0..<24).map(Float.init), shape: [2, 3, 4])
        #expect(x.sum().shape == [] && x.sum().item == 276)
        #expect(x.sum(axis: 1).shape == [2, 4])
        #expect(x.sum(axis: 1).scalars == [12, 15, 18, 21, 48, 51, 54, 57])
        #expect(x.sum(alongAxes: [0, 2], keepingDims: true).shape == [1, 3, 1])
        #expect(x.sum(alongAxes: [0, 2], keepingDims: true).scalars == [60, 92, 124])
        #expect(x.sum(alongAxes: [2, -3]).scalars == [60, 92, 124])
        #expect(x.mean(axis: 2).scalars == [1.5, 5.5, 9.5, 13.5, 17.5, 21.5])
        #expect(x.mean().item == 11.5)
        #expect(Tensor([1, 2, 3, 4]).variance().item == 5.0 / 3)
        #expect(Tensor([1, 2, 3, 4]).variance(correction: 0).item == 1.25)
        #expect(Tensor([2, 4, 4, 4, 5, 5, 7, 9]).standardDeviation(correction: 0).item == 2)
        #expect(Tensor([3, -4]).norm().item == 5)
        #expect(Tensor([3, -4]).norm(p: 1).item == 7)
        // A size-1 reduced axis and a sum over nothing but size-1 axes.
        #expect(Tensor([1, 2, 3], shape: [3, 1]).sum(axis: 1).scalars == [1, 2, 3])
        #expect(Tensor([7], shape: [1, 1]).sum().item == 7)
        // Bessel's correction with one element divides by zero, as in PyTorch.
        #expect(Tensor([5]).variance().item.isNaN)
    }

    @Test func extremesAndIndices() {
        let x = Tensor([3, 1, 3, 0, 2, 9, 9, 2, 5, -1, 4, 4], shape: [3, 4])
        let m = x.max(axis: 1)
        #expect(m.values.scalars == [3, 9, 5])
        #expect(m.indices == [0, 1, 0])  // first index on ties
        let n = x.min(axis: 0, keepingDims: true)
        #expect(n.values.shape == [1, 4] && n.values.scalars == [2, -1, 3, 0])
        #expect(n.indices == [1, 2, 0, 0])
        #expect(x.argmax(axis: 0) == [2, 1, 1, 2])
        #expect(x.argmin(axis: 1) == [3, 0, 1])
        #expect(x.argmax() == 5 && x.argmin() == 9)
        #expect(x.max().item == 9 && x.min().item == -1)
        #expect(Tensor([1, .nan, 3]).max().item.isNaN)
        #expect(Tensor([1, .nan, 3]).min().item.isNaN)
    }

    /// At a zero vector PyTorch's norm gradient is 0 (the subgradient), not NaN, for every p.
    @Test func normGradientAtZeroIsZero() {
        for p: Float in [1, 2, 3] {
            let x = Tensor.zeros([3]).requiringGrad()
            x.norm(p: p).backward()
            #expect(x.grad?.scalars == [0, 0, 0], "p = \(p)")
            let y = Tensor([0, 0, 3, 4], shape: [2, 2]).requiringGrad()
            y.norm(p: p, axis: 1).sum().backward()
            #expect(y.grad?.scalars[0] == 0 && y.grad?.scalars[1] == 0, "p = \(p), axis 1")
            #expect(y.grad!.scalars.allSatisfy { $0.isFinite }, "p = \(p), axis 1")
        }
        let z = Tensor([0, 0, 3, 4], shape: [2, 2]).requiringGrad()
        z.norm(axis: 1, keepingDims: true).sum().backward()
        #expect(z.grad?.scalars == [0, 0, 0.6, 0.8])
    }

    /// Kernels split large tensors between threads; every row must equal the same reduction of that row alone.
    @Test func largeReductionsMatchRowByRow() {
        let x = TestData.normal([300, 257], seed: 26)
        let maxima = x.max(axis: 1), minima = x.min(axis: 0), lse = x.logSumExp(axis: 1), sums = x.sum(axis: 1)
        for r in [0, 1, 150, 299] {
            let row = x[r]
            #expect(maxima.values.scalars[r] == row.max().item && maxima.indices[r] == row.argmax())
            #expect(lse.scalars[r] == row.logSumExp(axis: 0).item)
            #expect(sums.scalars[r] == row.sum().item)
        }
        for c in [0, 128, 256] {
            let column = x.slice(axis: 1, c..<(c + 1)).reshaped([300])
            #expect(minima.values.scalars[c] == column.min().item && minima.indices[c] == column.argmin())
        }
    }

    @Test func logSumExpIsStable() {
        let x = Tensor([1000, 1000, -.infinity, 0], shape: [2, 2])
        let r = x.logSumExp(axis: 1)
        #expect(Swift.abs(r.scalars[0] - (1000 + Foundation.log(Float(2)))) < 1e-3)
        #expect(r.scalars[1] == 0)
        #expect(Tensor([-.infinity, -.infinity]).logSumExp(axis: 0).item == -.infinity)
    }

    /// Long rows go through the 8-lane vector loop and the parallel path; compare with a Double sum.
    @Test func largeSumsAreAccurate() {
        let x = TestData.normal([3, 50_001], seed: 25)
        let rows = x.sum(axis: 1).scalars
        let v = x.scalars
        for r in 0..<3 {
            let exact = v[(r * 50_001)..<((r + 1) * 50_001)].reduce(0.0) { $0 + Double($1) }
            #expect(Swift.abs(Double(rows[r]) - exact) < 1e-3 * max(1, Swift.abs(exact)), "row \(r)")
        }
        let cols = x.sum(axis: 0)
        #expect(cols.shape == [50_001])
        let c7 = Double(v[7]) + Double(v[50_001 + 7]) + Double(v[100_002 + 7])
        #expect(Swift.abs(Double(cols.scalars[7]) - c7) < 1e-5)
    }
}
