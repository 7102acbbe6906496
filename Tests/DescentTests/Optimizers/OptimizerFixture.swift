import Foundation
import Testing

@testable import Descent

/// `Fixtures/optim.json`, written by `Tests/Fixtures/generate_optim.py` from `torch.optim`: 100 steps of each
/// optimizer configuration on two parameters (shapes [3, 4] and [4]) with a gradient that Swift recomputes exactly.
struct OptimFixture: Decodable {
    let steps: Int
    let initial: [FixtureTensor]
    let targets: [FixtureTensor]
    let weights: [FixtureTensor]
    let noise: [Float]
    let cases: [Case]

    struct Case: Decodable, CustomTestStringConvertible {
        let name: String
        let optimizer: String
        let options: [String: Double]
        let flags: [String]
        let sign: Float
        let snapshots: [Snapshot]
        let groups: [Group]?
        let skip: Skip?
        let clip: Clip?
        let norms: [Float]?
        var testDescription: String { name }
    }
    struct Snapshot: Decodable {
        let step: Int
        let params: [[Float]]
    }
    struct Group: Decodable {
        let params: [Int]
        let options: [String: Double]
    }
    struct Skip: Decodable {
        let param: Int
        let every: Int
    }
    struct Clip: Decodable {
        let kind: String
        let value: Float
        /// -1 stands for infinity.
        let normType: Float?
    }

    static let shared: OptimFixture = {
        do { return try loadFixture("optim.json") } catch { fatalError("optim.json: \(error)") }
    }()

    /// Fresh parameters at the fixture's initial values.
    func makeParameters() -> [Tensor] { initial.map { $0.tensor.requiringGrad() } }

    /// The fixture's gradient for parameter `i` at step `t` (1-based), in float32 exactly as the generator:
    /// `(p − target)·(2·sign) + weight·noise[t − 1]`.
    func gradient(_ p: Tensor, _ i: Int, step t: Int, sign: Float) -> Tensor {
        let target = targets[i].data, weight = weights[i].data, n = noise[t - 1], s2 = 2 * sign
        let values = p.scalars
        var g = [Float](repeating: 0, count: values.count)
        for j in values.indices {
            let a = (values[j] - target[j]) * s2
            let b = weight[j] * n
            g[j] = a + b
        }
        return Tensor(g, shape: p.shape)
    }

    /// Sets the step-`t` gradients of `params` as the case prescribes (skipping and clipping); returns the norm
    /// reported by clipping by norm, if any.
    @discardableResult
    func setGradients(_ c: Case, _ params: [Tensor], step t: Int) -> Float? {
        for (i, p) in params.enumerated() {
            if let skip = c.skip, i == skip.param, t % skip.every == 0 { continue }
            p.grad = gradient(p, i, step: t, sign: c.sign)
        }
        guard let clip = c.clip else { return nil }
        if clip.kind == "value" {
            clipGradValue(params, clip.value)
            return nil
        }
        let normType = clip.normType == -1 ? Float.infinity : (clip.normType ?? 2)
        return clipGradNorm(params, maxNorm: clip.value, normType: normType)
    }

    /// The optimizer of case `c` over `params` built as a config does, through ``OptimizerRegistry``: the rule
    /// registered under the case's `torch.optim` name, its `init()` defaults, the case's options set through the
    /// rule's ``HyperParameter`` key paths.
    func makeRegisteredOptimizer(_ c: Case, _ params: [Tensor]) -> any Optimizer {
        guard let rule = OptimizerRegistry.rules.first(where: { $0.name == c.optimizer }) else {
            fatalError("no registered optimizer is named \(c.optimizer)")
        }
        if c.name.hasSuffix("_defaults") { return rule.makeOptimizer(params) }
        return Self.registered(rule, c, groups(c, params))
    }

    private static func registered<R: RegisteredRule>(_ rule: R.Type, _ c: Case, _ groups: [ParameterGroup])
        -> any Optimizer
    {
        var r = R()
        for h in R.hyperParameters {
            switch h.field {
            case .number(let path): if let v = c.options[h.key] { r[keyPath: path] = v }
            case .flag(let path): r[keyPath: path] = c.flags.contains(h.key)
            case .pair(let a, let b):
                if let v = c.options["beta1"] { r[keyPath: a] = v }
                if let v = c.options["beta2"] { r[keyPath: b] = v }
            }
        }
        return R.makeOptimizer(groups, r)
    }

    /// The parameter groups of case `c`.
    func groups(_ c: Case, _ params: [Tensor]) -> [ParameterGroup] {
        c.groups?.map { g in
            ParameterGroup(
                g.params.map { params[$0] }, lr: g.options["lr"], weightDecay: g.options["weight_decay"],
                momentum: g.options["momentum"] ?? g.options["beta1"])
        } ?? [ParameterGroup(params)]
    }

    /// The optimizer of case `c` over `params`. Cases named `*_defaults` use the initializer's defaults, so they
    /// check that the defaults are PyTorch's.
    func makeOptimizer(_ c: Case, _ params: [Tensor]) -> any Optimizer {
        let o = c.options, f = Set(c.flags)
        if c.name.hasSuffix("_defaults") {
            switch c.optimizer {
            case "SGD": return SGD(params)
            case "RMSprop": return RMSprop(params)
            case "Adam": return Adam(params)
            case "AdamW": return AdamW(params)
            case "Adagrad": return Adagrad(params)
            case "NAdam": return NAdam(params)
            case "RAdam": return RAdam(params)
            case "Adamax": return Adamax(params)
            default: fatalError("unknown optimizer \(c.optimizer)")
            }
        }
        let groups =
            c.groups?.map { g in
                ParameterGroup(
                    g.params.map { params[$0] }, lr: g.options["lr"], weightDecay: g.options["weight_decay"],
                    momentum: g.options["momentum"] ?? g.options["beta1"])
            } ?? [ParameterGroup(params)]
        let lr = o["lr"]!, wd = o["weight_decay"] ?? 0
        let betas = (o["beta1"] ?? 0.9, o["beta2"] ?? 0.999), eps = o["eps"] ?? 1e-8
        let maximize = f.contains("maximize")
        switch c.optimizer {
        case "SGD":
            return SGD(
                groups, lr: lr, momentum: o["momentum"] ?? 0, dampening: o["dampening"] ?? 0, weightDecay: wd,
                nesterov: f.contains("nesterov"), maximize: maximize)
        case "RMSprop":
            return RMSprop(
                groups, lr: lr, alpha: o["alpha"] ?? 0.99, eps: eps, weightDecay: wd,
                momentum: o["momentum"] ?? 0, centered: f.contains("centered"), maximize: maximize)
        case "Adam":
            return Adam(
                groups, lr: lr, betas: betas, eps: eps, weightDecay: wd, amsgrad: f.contains("amsgrad"),
                maximize: maximize)
        case "AdamW":
            return AdamW(
                groups, lr: lr, betas: betas, eps: eps, weightDecay: o["weight_decay"] ?? 0.01,
                amsgrad: f.contains("amsgrad"), maximize: maximize)
        case "Adagrad":
            return Adagrad(
                groups, lr: lr, lrDecay: o["lr_decay"] ?? 0, weightDecay: wd,
                initialAccumulatorValue: o["initial_accumulator_value"] ?? 0, eps: o["eps"] ?? 1e-10,
                maximize: maximize)
        case "NAdam":
            return NAdam(
                groups, lr: lr, betas: betas, eps: eps, weightDecay: wd, momentumDecay: o["momentum_decay"] ?? 4e-3,
                decoupledWeightDecay: f.contains("decoupled_weight_decay"), maximize: maximize)
        case "RAdam":
            return RAdam(
                groups, lr: lr, betas: betas, eps: eps, weightDecay: wd,
                decoupledWeightDecay: f.contains("decoupled_weight_decay"), maximize: maximize)
        case "Adamax":
            return Adamax(groups, lr: lr, betas: betas, eps: eps, weightDecay: wd, maximize: maximize)
        default:
            fatalError("unknown optimizer \(c.optimizer)")
        }
    }
}
