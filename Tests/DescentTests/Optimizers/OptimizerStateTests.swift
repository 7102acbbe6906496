import Foundation
import Testing

@testable import Descent

/// Saving and restoring optimizer state, gradient accumulation, skipping, zeroGrad and the engine's bookkeeping.
@Suite struct OptimizerStateTests {
    /// For every fixture configuration: run 100 steps; separately run 37 steps, save the state (through JSON),
    /// rebuild the parameters and the optimizer from scratch, load, and run the remaining 63 steps. The
    /// parameters must be bitwise equal to the uninterrupted run.
    @Test(arguments: OptimFixture.shared.cases)
    func saveRestoreIsBitwise(_ c: OptimFixture.Case) throws {
        let fx = OptimFixture.shared
        let straight = fx.makeParameters()
        let straightOptimizer = fx.makeOptimizer(c, straight)
        for t in 1...fx.steps {
            straightOptimizer.zeroGrad()
            fx.setGradients(c, straight, step: t)
            straightOptimizer.step()
        }

        let first = fx.makeParameters()
        let firstOptimizer = fx.makeOptimizer(c, first)
        let stop = 37
        for t in 1...stop {
            firstOptimizer.zeroGrad()
            fx.setGradients(c, first, step: t)
            firstOptimizer.step()
        }
        let json = try JSONEncoder().encode(firstOptimizer.stateDict())
        let savedValues = first.map { $0.clone() }

        let resumed = savedValues.map { $0.requiringGrad() }
        let resumedOptimizer = fx.makeOptimizer(c, resumed)
        try resumedOptimizer.load(state: JSONDecoder().decode(OptimizerState.self, from: json))
        #expect(resumedOptimizer.stateDict() == firstOptimizer.stateDict())
        #expect(resumedOptimizer.stepCount == stop)
        for t in (stop + 1)...fx.steps {
            resumedOptimizer.zeroGrad()
            fx.setGradients(c, resumed, step: t)
            resumedOptimizer.step()
        }
        for (a, b) in zip(resumed, straight) {
            #expect(a.isBitwiseEqual(b), "\(c.name): resumed run differs from the uninterrupted one")
        }
        #expect(resumedOptimizer.stateDict() == straightOptimizer.stateDict())
    }

    /// Gradients of two backward passes add up before a step, and the step uses their sum.
    @Test func gradientsAccumulateAcrossBackwardPasses() {
        let p = Tensor([1, -2, 3], shape: [3]).requiringGrad()
        let c = Tensor([0.5, 0.25, -1])
        (p * p).sum().backward()
        (p * c).sum().backward()
        #expect(p.grad!.scalars == [2.5, -3.75, 5])
        let optimizer = SGD([p], lr: 0.1)
        optimizer.step()
        #expect(p.scalars == [Float(1) - 0.1 * 2.5, Float(-2) - 0.1 * -3.75, Float(3) - 0.1 * 5])

        // Adam on accumulated gradients equals Adam on the summed gradient set directly.
        let q = Tensor([1, -2, 3], shape: [3]).requiringGrad(), r = Tensor([1, -2, 3], shape: [3]).requiringGrad()
        let adamQ = Adam([q], lr: 0.1), adamR = Adam([r], lr: 0.1)
        for _ in 0..<3 {
            adamQ.zeroGrad()
            (q * q).sum().backward()
            (q * c).sum().backward()
            adamQ.step()
            adamR.zeroGrad()
            r.grad = withNoGrad { r * 2 + c }
            adamR.step()
        }
        #expect(q.isBitwiseEqual(r))
    }

    /// zeroGrad sets gradients to nil; a parameter without a gradient is skipped and keeps an empty state.
    @Test func zeroGradAndSkipping() throws {
        let a = Tensor([1, 2]).requiringGrad(), b = Tensor([3, 4]).requiringGrad()
        let optimizer = Adam([a, b], lr: 0.1)
        a.grad = Tensor([1, 1])
        optimizer.step()
        #expect(b.scalars == [3, 4])
        let state = optimizer.stateDict()
        #expect(state.parameters[0].step == 1 && state.parameters[1].step == 0)
        #expect(state.parameters[1].buffers.isEmpty)
        #expect(Set(state.parameters[0].buffers.keys) == ["exp_avg", "exp_avg_sq"])
        optimizer.zeroGrad()
        #expect(a.grad == nil && b.grad == nil)
        optimizer.step()
        #expect(optimizer.stateDict().parameters[0].step == 1)
        #expect(optimizer.stepCount == 2)
    }

    /// The optimizer updates the parameter through its shared identity: every copy of the parameter (as a
    /// module would hold it) sees the new values.
    @Test func updatesAreSeenByEveryHolder() {
        let p = Tensor([1, 2, 3]).requiringGrad()
        let heldByModule = p
        let optimizer = SGD([p], lr: 0.5)
        p.grad = Tensor([2, 2, 2])
        optimizer.step()
        #expect(heldByModule.scalars == [0, 1, 2])
    }

    /// A tensor large enough to be split across threads gets exactly the update of a small tensor with the
    /// same values (each element's update is independent of the chunking).
    @Test func parallelChunksMatchSmallTensor() {
        let pattern: [Float] = [0.3, -1.2, 2.5, 0.01, -0.7, 1.9, -2.2, 0.05, 1.1, -0.4]
        let n = 200_000
        let big = Tensor((0..<n).map { pattern[$0 % 10] }).requiringGrad()
        let small = Tensor(pattern).requiringGrad()
        let optimizers: [any Optimizer] = [
            NAdam([big], lr: 0.01, weightDecay: 0.1), NAdam([small], lr: 0.01, weightDecay: 0.1),
        ]
        for t in 1...4 {
            for (p, o) in zip([big, small], optimizers) {
                o.zeroGrad()
                p.grad = withNoGrad { (p * Float(t)).sin() }
                o.step()
            }
        }
        let b = big.scalars, s = small.scalars
        var mismatches = 0
        for i in 0..<n where b[i] != s[i % 10] { mismatches += 1 }
        #expect(mismatches == 0)
    }

    /// Loading a state that does not fit throws a DescentError naming the optimizer, and changes nothing.
    @Test func loadRejectsMismatchedState() throws {
        let a = Tensor([1, 2]).requiringGrad()
        let adam = Adam([a], lr: 0.1)
        a.grad = Tensor([1, 1])
        adam.step()
        let state = adam.stateDict()

        let sgd = SGD([Tensor([1, 2]).requiringGrad()], lr: 0.1)
        #expect(throws: DescentError.self) { try sgd.load(state: state) }
        let wrongShape = Adam([Tensor([1, 2, 3]).requiringGrad()], lr: 0.1)
        #expect(throws: DescentError.self) { try wrongShape.load(state: state) }
        let twoParams = Adam([Tensor([1, 2]).requiringGrad(), Tensor([1]).requiringGrad()], lr: 0.1)
        #expect(throws: DescentError.self) { try twoParams.load(state: state) }
        var corrupt = state
        corrupt.parameters[0].buffers["exp_avg"] = [1]
        let fresh = Adam([Tensor([1, 2]).requiringGrad()], lr: 0.3)
        #expect(throws: DescentError.self) { try fresh.load(state: corrupt) }
        #expect(fresh.lr == 0.3 && fresh.stepCount == 0)
        do {
            try sgd.load(state: state)
        } catch let error as DescentError {
            #expect(error.description.contains("Adam") && error.description.contains("SGD"))
        }
    }

    /// Learning rates, momenta and per-group hyperparameters can be read and changed between steps.
    @Test func hyperparameterAccess() {
        let a = Tensor([1]).requiringGrad(), b = Tensor([2]).requiringGrad()
        let optimizer = SGD(
            [ParameterGroup([a]), ParameterGroup([b], lr: 0.01, weightDecay: 0, momentum: 0.5)],
            lr: 0.1, momentum: 0.9, weightDecay: 1e-4)
        #expect(optimizer.learningRates == [0.1, 0.01])
        #expect(optimizer.initialLearningRates == [0.1, 0.01])
        #expect(optimizer.momenta == [0.9, 0.5])
        #expect(optimizer.groups[0].options.weightDecay == 1e-4 && optimizer.groups[1].options.weightDecay == 0)
        optimizer.lr = 0.2
        #expect(optimizer.learningRates == [0.2, 0.2])
        #expect(optimizer.initialLearningRates == [0.1, 0.01])
        optimizer.groups[1].options.nesterov = true
        optimizer.groups[1].options.momentum = 0.8
        #expect(optimizer.momenta == [0.9, 0.8])
        optimizer.momenta = [0.7, 0.6]
        #expect(optimizer.groups[1].options.momentum == 0.6)
        #expect(optimizer.parameters.count == 2)
        let c = Tensor([3]).requiringGrad()
        optimizer.addGroup(ParameterGroup([c], lr: 0.5))
        #expect(optimizer.learningRates == [0.2, 0.2, 0.5])
        #expect(Adagrad([a]).momenta == nil)
        #expect(AdamW([a]).groups[0].options.weightDecay == 0.01)
    }
}
