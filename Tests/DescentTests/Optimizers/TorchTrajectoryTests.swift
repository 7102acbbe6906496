import Testing

@testable import Descent

/// Every optimizer configuration against `torch.optim`, step for step (snapshots every 10 steps of 100).
///
/// Tolerance: relative error ≤ 1e-5 per element, measured as `|a − b| / max(|b|, 0.1)`. The absolute floor of
/// 0.1 is there for parameters that pass near zero: their updates are computed from intermediates of order 1
/// (`p − target`, moments), so both sides carry float32 rounding of order 1e-7 in absolute terms, which
/// PyTorch's kernels round differently (its scalar loops are compiled with fused multiply-adds, which depend on
/// the CPU). Near zero the test therefore allows 1e-6 absolute; the largest difference observed over all cases
/// is 2.4e-7 (two float32 ulps of 1).
@Suite struct TorchTrajectoryTests {
    static let rtol: Float = 1e-5
    static let floor: Float = 0.1

    @Test(arguments: OptimFixture.shared.cases)
    func matchesTorch(_ c: OptimFixture.Case) {
        check(c) { OptimFixture.shared.makeOptimizer(c, $0) }
    }

    /// The same cases built as a config builds them, through the registry's defaults and key paths.
    @Test(arguments: OptimFixture.shared.cases)
    func registeredRuleMatchesTorch(_ c: OptimFixture.Case) {
        check(c) { OptimFixture.shared.makeRegisteredOptimizer(c, $0) }
    }

    /// Every registered optimizer has PyTorch trajectories: one with `torch.optim`'s defaults and at least one
    /// with options set.
    @Test func everyRegisteredOptimizerHasFixtures() {
        let cases = OptimFixture.shared.cases
        for rule in OptimizerRegistry.rules {
            #expect(
                cases.contains { $0.optimizer == rule.name && $0.name == "\(rule.configName)_defaults" },
                "\(rule.name): no defaults case")
            #expect(
                cases.contains { $0.optimizer == rule.name && !$0.name.hasSuffix("_defaults") },
                "\(rule.name): no case with options")
        }
        #expect(Set(cases.map(\.optimizer)) == Set(OptimizerRegistry.rules.map { $0.name }))
    }

    private func check(_ c: OptimFixture.Case, _ make: ([Tensor]) -> any Optimizer) {
        let fx = OptimFixture.shared
        let params = fx.makeParameters()
        let optimizer = make(params)
        #expect(optimizer.name == c.optimizer)
        var snapshot = 0
        var norms: [Float] = []
        for t in 1...fx.steps {
            optimizer.zeroGrad()
            if let norm = fx.setGradients(c, params, step: t) { norms.append(norm) }
            optimizer.step()
            if snapshot < c.snapshots.count && c.snapshots[snapshot].step == t {
                for (i, p) in params.enumerated() {
                    let expected = Tensor(c.snapshots[snapshot].params[i], shape: p.shape)
                    expectClose(p, expected, rtol: Self.rtol, floor: Self.floor, "\(c.name) step \(t) param \(i)")
                }
                snapshot += 1
            }
        }
        #expect(snapshot == c.snapshots.count)
        #expect(optimizer.stepCount == fx.steps)
        if let expected = c.norms {
            #expect(norms.count == expected.count)
            for (k, (a, b)) in zip(norms, expected).enumerated() {
                #expect(
                    Swift.abs(a - b) <= Self.rtol * Swift.abs(b), "\(c.name): clip norm at step \(k + 1): \(a) vs \(b)")
            }
        }
    }
}
