import Testing

@testable import Descent

@Suite struct SoftmaxTests {
    /// Forward values and gradients against PyTorch (core.json, group "softmax"); relative tolerance 1e-4.
    @Test func matchesPyTorch() throws {
        let names = try CoreFixture.check(group: "softmax") { name, x in
            switch name {
            case "softmax_last", "softmax_large": return [x[0].softmax()]
            case "softmax_axis0": return [x[0].softmax(axis: 0)]
            case "softmax_middle": return [x[0].softmax(axis: 1)]
            case "log_softmax_last", "log_softmax_large": return [x[0].logSoftmax()]
            case "log_softmax_axis0": return [x[0].logSoftmax(axis: 0)]
            case "log_softmax_middle": return [x[0].logSoftmax(axis: 1)]
            default: return nil
            }
        }
        #expect(names.count == 8)
    }

    @Test func gradientsMatchFiniteDifferences() {
        let x = TestData.normal([2, 3, 4], seed: 81, scale: 2)
        for axis in [0, 1, 2, -1] {
            expectGradientsMatchFiniteDifferences([x], "softmax axis \(axis)") {
                TestData.weightedSum($0[0].softmax(axis: axis))
            }
            expectGradientsMatchFiniteDifferences([x], "logSoftmax axis \(axis)") {
                TestData.weightedSum($0[0].logSoftmax(axis: axis))
            }
        }
    }

    @Test func normalisationAndConsistency() {
        let x = TestData.normal([3, 5, 2], seed: 82, scale: 3)
        for axis in [0, 1, 2] {
            let s = x.softmax(axis: axis)
            #expect(s.scalars.allSatisfy { $0 > 0 && $0 < 1 })
            let total = s.sum(axis: axis)
            expectClose(total, Tensor.ones(total.shape), rtol: 1e-6, "softmax axis \(axis) sums to 1")
            expectClose(x.logSoftmax(axis: axis).exp(), s, rtol: 1e-5, "exp(logSoftmax) = softmax, axis \(axis)")
            // Floor 1: logSoftmax forms (x − m) − log Σ (as PyTorch), x − logSumExp rounds m + log Σ first, so
            // values near 0 differ by float32's spacing at |x| (about 1e-6 here), not relative to themselves.
            expectClose(
                x.logSoftmax(axis: axis), x - x.logSumExp(axis: axis, keepingDims: true), rtol: 1e-5, floor: 1,
                "logSoftmax = x − logSumExp, axis \(axis)")
        }
    }

    /// Large inputs are split between threads; each lane must equal the softmax of that lane alone.
    @Test func largeSoftmaxMatchesLaneByLane() {
        let x = TestData.normal([260, 130], seed: 84, scale: 2)
        let rows = x.softmax(axis: 1), logRows = x.logSoftmax(axis: 1), columns = x.softmax(axis: 0)
        for r in [0, 77, 259] {
            #expect(rows[r].isBitwiseEqual(x[r].softmax()))
            #expect(logRows[r].isBitwiseEqual(x[r].logSoftmax()))
        }
        for c in [0, 64, 129] {
            let lane = x.slice(axis: 1, c..<(c + 1))
            #expect(columns.slice(axis: 1, c..<(c + 1)).isBitwiseEqual(lane.softmax(axis: 0)))
        }
    }

    @Test func extremeLogitsStayFinite() {
        let x = Tensor([1000, 0, -1000, -.infinity, 5, 5], shape: [2, 3])
        let s = x.softmax()
        #expect(s.scalars == [1, 0, 0, 0, 0.5, 0.5])
        let l = x.logSoftmax()
        #expect(l.scalars[0] == 0 && l.scalars[1] == -1000 && l.scalars[2] == -2000)
        #expect(l.scalars[3] == -.infinity)
        #expect(Swift.abs(l.scalars[4] + 0.6931472) < 1e-6)
        // Shifting every logit of a row leaves softmax unchanged.
        let y = TestData.normal([2, 4], seed: 83)
        expectClose((y + 50).softmax(), y.softmax(), rtol: 1e-4)
    }
}
