import Foundation
import Testing

@testable import Descent

/// Closed-form schedules against PyTorch's recursive (chainable) schedulers: 200 learning rates each, relative
/// error ≤ 1e-6 (in practice ≤ 1e-13: both are computed in `Double`).
@Suite struct TorchScheduleTests {
    static let rtol = 1e-6

    @Test(arguments: ScheduleFixture.shared.schedules)
    func matchesTorch(_ e: ScheduleFixture.Entry) {
        let schedule = ScheduleFixture.makeSchedule(e)
        var worst = 0.0
        for (g, base) in e.base_lrs.enumerated() {
            #expect(e.lrs[g].count == ScheduleFixture.shared.steps)
            for (k, expected) in e.lrs[g].enumerated() {
                let actual = schedule.lr(at: k, baseLR: base)
                let err = scheduleRelativeError(actual, expected)
                worst = Swift.max(worst, err)
                #expect(err <= Self.rtol, "\(e.name) group \(g) step \(k): \(actual) vs \(expected)")
            }
        }
        #expect(worst <= 1e-12, "\(e.name): worst relative error \(worst)")
        if let momentum = e.momentum {
            for (k, expected) in momentum.enumerated() {
                let actual = schedule.momentum(at: k)
                #expect(
                    actual != nil && scheduleRelativeError(actual!, expected) <= Self.rtol,
                    "\(e.name) momentum at step \(k): \(String(describing: actual)) vs \(expected)")
            }
        }
    }

    @Test(arguments: ScheduleFixture.shared.plateaus)
    func plateauMatchesTorch(_ p: ScheduleFixture.Plateau) {
        var plateau = p.make()
        var lrs = p.base_lrs
        for (k, metric) in p.metrics.enumerated() {
            plateau.step(metric, learningRates: &lrs)
            for g in lrs.indices {
                #expect(
                    scheduleRelativeError(lrs[g], p.lrs[g][k]) <= Self.rtol,
                    "\(p.name) group \(g) step \(k): \(lrs[g]) vs \(p.lrs[g][k])")
            }
        }
        #expect(plateau.lastEpoch == p.metrics.count)
    }

    /// A schedule applied to an optimizer sets each group's rate from the group's own initial rate (PyTorch's
    /// `base_lrs`), and one-cycle also sets the momentum.
    @Test func applyToOptimizerGroups() throws {
        let e = try #require(ScheduleFixture.shared.schedules.first { $0.name == "warmup_cosine_groups" })
        let a = Tensor([1, 2]).requiringGrad(), b = Tensor([3]).requiringGrad()
        let optimizer = SGD(
            [ParameterGroup([a], lr: e.base_lrs[0]), ParameterGroup([b], lr: e.base_lrs[1])], momentum: 0.9)
        let schedule = ScheduleFixture.makeSchedule(e)
        for k in 0..<ScheduleFixture.shared.steps {
            optimizer.apply(schedule, at: k)
            for g in 0..<2 {
                #expect(scheduleRelativeError(optimizer.learningRates[g], e.lrs[g][k]) <= Self.rtol)
            }
        }
        let cycle = OneCycleLR(maxLR: 0.1, totalSteps: 100)
        let adam = Adam([a, b], lr: 0.1)
        adam.apply(cycle, at: 0)
        #expect(adam.groups[0].options.beta1 == 0.95)
        #expect(Swift.abs(adam.lr - 0.004) < 1e-15)
        adam.apply(cycle, at: 29)
        #expect(Swift.abs(adam.groups[0].options.beta1 - 0.85) < 1e-12)
        #expect(Swift.abs(adam.lr - 0.1) < 1e-12)
        let adagrad = Adagrad([a], lr: 0.1)
        adagrad.apply(cycle, at: 10)
        #expect(adagrad.momenta == nil)
    }

    /// An epoch schedule queried per iteration advances once per epoch.
    @Test func perEpochAdapter() {
        let epochs = StepLR(baseLR: 0.1, stepSize: 2, gamma: 0.5)
        let iterations = epochs.perEpoch(stepsPerEpoch: 10)
        for i in 0..<100 { #expect(iterations.lr(at: i) == epochs.lr(at: i / 10)) }
        #expect(iterations(39) == 0.05)
        #expect(FixedLR(baseLR: 0.3).lr(at: 12345) == 0.3)
        #expect(InverseTimeLR.harmonic(baseLR: 1).lr(at: 3) == 0.25)  // lr0 / k with k = 4
    }

    /// ReduceLROnPlateau's state saved mid-run (JSON) and restored continues identically; the initial state,
    /// whose best value is infinite, also round-trips through JSON.
    @Test func plateauStateRoundTrip() throws {
        let p = try #require(ScheduleFixture.shared.plateaus.first { $0.name == "plateau_min_abs" })
        let fresh = p.make()
        let freshCopy = try JSONDecoder().decode(ReduceLROnPlateau.self, from: JSONEncoder().encode(fresh))
        #expect(freshCopy == fresh)
        var a = p.make(), lrsA = p.base_lrs
        var saved: Data?
        var lrsAtSave: [Double] = []
        for (k, m) in p.metrics.enumerated() {
            if k == 90 {
                saved = try JSONEncoder().encode(a)
                lrsAtSave = lrsA
            }
            a.step(m, learningRates: &lrsA)
        }
        var b = try JSONDecoder().decode(ReduceLROnPlateau.self, from: try #require(saved))
        var lrsB = lrsAtSave
        for m in p.metrics[90...] { b.step(m, learningRates: &lrsB) }
        #expect(a == b)
        #expect(lrsA == lrsB)
    }

    /// The single-rate and optimizer forms of ReduceLROnPlateau agree with the list form.
    @Test func plateauForms() throws {
        let p = try #require(ScheduleFixture.shared.plateaus.first { $0.name == "plateau_max" })
        var a = p.make(), b = p.make()
        var lr = p.base_lrs[0]
        let x = Tensor([1]).requiringGrad()
        let optimizer = SGD([x], lr: p.base_lrs[0])
        for (k, m) in p.metrics.enumerated() {
            a.step(m, lr: &lr)
            b.step(m, optimizer: optimizer)
            #expect(lr == p.lrs[0][k])
            #expect(optimizer.lr == p.lrs[0][k])
        }
    }
}
