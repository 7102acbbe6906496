import Descent
import Foundation

/// The update step of each optimizer on one parameter of 1M floats with a fixed gradient: nanoseconds per
/// parameter element and step (the optimizer's share of a training step is this times the model's parameters).
func benchOptimizers(count: Int = 1 << 20, seconds: Double = 0.3) -> BenchResult {
    let gen = RandomGenerator(seed: 0)
    let gradient = gen.normal([count]) * 0.01
    func nanoseconds(_ make: ([Tensor]) -> any Optimizer) -> Double {
        let p = gen.normal([count]).requiringGrad()
        p.grad = gradient
        let optimizer = make([p])
        optimizer.step()  // allocates the state
        var steps = 0
        let t = measureSeconds {
            let start = Date()
            while Date().timeIntervalSince(start) < seconds { optimizer.step(); steps += 1 }
        }
        return 1e9 * t / Double(steps * count)
    }
    // Every registered optimizer with its defaults, then the variants scripts/bench-optimizers-torch.py also times.
    var cases: [(String, ([Tensor]) -> any Optimizer)] = OptimizerRegistry.rules.map { rule in
        (rule.configName, { rule.makeOptimizer($0) })
    }
    cases += [
        ("sgd_momentum", { SGD($0, lr: 0.01, momentum: 0.9, weightDecay: 5e-4) }),
        ("sgd_nesterov", { SGD($0, lr: 0.01, momentum: 0.9, nesterov: true) }),
        ("rmsprop_momentum_centered", { RMSprop($0, momentum: 0.9, centered: true) }),
    ]
    var fields: [(String, Any)] = [("elements", count)]
    for (name, make) in cases { fields.append(("\(name)_ns_per_element", nanoseconds(make))) }
    return BenchResult(workload: "optimizers", fields: fields)
}
