import Descent
import Foundation

/// The training and inference workloads W1–W5 and W7–W9 of `shared/bench/peer/README.md`, with the same
/// models, batch sizes, optimizers, step counts and warm-up as `torch_bench.py`. Each result also gives the
/// arithmetic rate, `gflop_per_s`: 2 × the multiply-adds of the matrix products of one step (forward and
/// backward, convolutions included, counted by ``MultiplyAddCounter`` on an untimed step) per second.
enum ModelWorkloads {
    /// Runs workload `name` and returns its result line.
    static func run(_ name: String) -> BenchResult {
        RandomGenerator.manualSeed(0)
        switch name {
        case "w1":
            let m = Models.mlp([784, 512, 512, 10])
            return train(name, m, Adam(m.parameters(), lr: 1e-3), input: [784], batch: 128, steps: 100)
        case "w2":
            let m = Models.cnn()
            return train(
                name, m, SGD(m.parameters(), lr: 0.01, momentum: 0.9), input: [1, 28, 28], batch: 64, steps: 50)
        case "w3":
            let m = Models.cnn(batchNorm: true, dropout: true)
            return train(name, m, Adam(m.parameters(), lr: 1e-3), input: [1, 28, 28], batch: 64, steps: 50)
        case "w4_mlp":
            return infer(name, Models.mlp([784, 512, 512, 10]), input: [784], batch: 256, steps: 100)
        case "w4_cnn":
            return infer(name, Models.cnn(), input: [1, 28, 28], batch: 256, steps: 30)
        case "w5":
            let m = Models.mlp([784, 128, 10])
            return train(name, m, SGD(m.parameters(), lr: 0.01), input: [784], batch: 16, steps: 500)
        case "w7":
            let m = ResNet.small()
            return train(
                name, m, SGD(m.parameters(), lr: 0.05, momentum: 0.9, weightDecay: 5e-4),
                input: [3, 32, 32], batch: 32, steps: 20)
        case "w9":
            let m = ResNet.resNet18()
            return train(
                name, m, SGD(m.parameters(), lr: 0.1, momentum: 0.9, weightDecay: 5e-4),
                input: [3, 32, 32], batch: 128, steps: 3, warmup: 1)
        case "w8":
            let m = Sequential(Embedding(128, 128), LSTM(128, 256, numLayers: 2, batchFirst: true), Linear(256, 128))
            return trainLanguageModel(name, m, Adam(m.parameters(), lr: 1e-3), batch: 32, length: 64, steps: 10)
        default:
            preconditionFailure("unknown workload \(name)")
        }
    }

    /// `zero_grad → forward → cross-entropy → backward → step`, 5 warm-up steps, then `steps` timed steps
    /// cycling through 8 fixed random batches.
    static func train(
        _ name: String, _ model: Module, _ optimizer: some Optimizer, input: [Int], batch: Int,
        steps: Int, warmup: Int = 5
    ) -> BenchResult {
        let gen = RandomGenerator(seed: 0)
        let xs = (0..<8).map { _ in gen.normal([batch] + input) }
        let ys = (0..<8).map { _ in (0..<batch).map { _ in gen.integer(in: 0..<10) } }
        model.train()
        func step(_ i: Int) {
            optimizer.zeroGrad()
            let loss = crossEntropy(model(xs[i % 8]), ys[i % 8])
            loss.backward()
            optimizer.step()
        }
        for i in 0..<warmup { step(i) }
        let counter = MultiplyAddCounter()
        counter.counting { step(warmup) }
        let t = measureWallAndCPUSeconds { for i in 0..<steps { step(i) } }
        return result(name, dt: t.wall, cpu: t.cpu, steps: steps, batch: batch, multiplyAdds: counter.count)
    }

    /// W8's loop: 8 fixed batches of `batch` random sequences of `length + 1` characters in `0..<128`; each step
    /// predicts characters 1…length from 0…length − 1 (cross-entropy over all `batch · length` targets), 3 warm-up
    /// steps, then `steps` timed steps.
    static func trainLanguageModel(
        _ name: String, _ model: Module, _ optimizer: some Optimizer, batch: Int, length: Int, steps: Int,
        warmup: Int = 3
    ) -> BenchResult {
        let gen = RandomGenerator(seed: 0)
        var inputs: [Tensor] = [], targets: [[Int]] = []
        for _ in 0..<8 {
            var x: [Float] = [], y: [Int] = []
            for _ in 0..<batch {
                var chars: [Int] = []
                for _ in 0...length { chars.append(gen.integer(in: 0..<128)) }
                x += chars.prefix(length).map(Float.init)
                y += chars.suffix(length)
            }
            inputs.append(Tensor(x, shape: [batch, length]))
            targets.append(y)
        }
        model.train()
        func step(_ i: Int) {
            optimizer.zeroGrad()
            let logits = model(inputs[i % 8]).reshaped([batch * length, 128])
            let loss = crossEntropy(logits, targets[i % 8])
            loss.backward()
            optimizer.step()
        }
        for i in 0..<warmup { step(i) }
        let counter = MultiplyAddCounter()
        counter.counting { step(warmup) }
        let t = measureWallAndCPUSeconds { for i in 0..<steps { step(i) } }
        return result(name, dt: t.wall, cpu: t.cpu, steps: steps, batch: batch, multiplyAdds: counter.count)
    }

    /// Forward passes in eval mode without gradients, 3 warm-up passes, then `steps` timed passes.
    static func infer(_ name: String, _ model: Module, input: [Int], batch: Int, steps: Int, warmup: Int = 3)
        -> BenchResult
    {
        let x = RandomGenerator(seed: 0).normal([batch] + input)
        model.eval()
        return withNoGrad {
            for _ in 0..<warmup { _ = model(x) }
            let counter = MultiplyAddCounter()
            counter.counting { _ = model(x) }
            let t = measureWallAndCPUSeconds { for _ in 0..<steps { _ = model(x) } }
            return result(name, dt: t.wall, cpu: t.cpu, steps: steps, batch: batch, multiplyAdds: counter.count)
        }
    }

    /// The result line; `cpu_ms_per_step` is the process's CPU time (all threads) per timed step, `gflop_per_s`
    /// 2 × `multiplyAdds` (one step's) × steps / time.
    static func result(_ name: String, dt: Double, cpu: Double, steps: Int, batch: Int, multiplyAdds: Int)
        -> BenchResult
    {
        BenchResult(
            workload: name,
            fields: [
                ("samples_per_s", Double(steps * batch) / dt),
                ("ms_per_step", 1000 * dt / Double(steps)), ("steps", steps), ("batch", batch),
                ("cpu_ms_per_step", 1000 * cpu / Double(steps)),
                ("gflop_per_s", 2 * Double(multiplyAdds) * Double(steps) / dt / 1e9),
            ])
    }
}
