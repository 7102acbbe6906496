import Descent
import Foundation

/// W6: 1024×1024 @ 1024×1024 float32 matrix products repeated for 2 s; reports GFLOP/s.
func benchGEMM(n: Int = 1024, seconds: Double = 2) -> BenchResult {
    let gen = RandomGenerator(seed: 0)
    let a = Tensor.randn([n, n], generator: gen), b = Tensor.randn([n, n], generator: gen)
    _ = a.matmul(b)
    var reps = 0
    let elapsed = measureSeconds {
        let start = Date()
        while Date().timeIntervalSince(start) < seconds {
            _ = a.matmul(b)
            reps += 1
        }
    }
    let gflops = 2 * Double(n * n * n) * Double(reps) / elapsed / 1e9
    return BenchResult(
        workload: "w6",
        fields: [("gflops", gflops), ("n", n), ("ms_per_step", 1000 * elapsed / Double(reps)), ("steps", reps)])
}

/// Elementwise throughput on 16M floats: add, mul and relu, in GB/s of memory traffic, next to the
/// machine's copy bandwidth measured the same way (memcpy of the same buffer).
func benchElementwise(count: Int = 1 << 24, seconds: Double = 1) -> BenchResult {
    let gen = RandomGenerator(seed: 0)
    let a = Tensor.randn([count], generator: gen), b = Tensor.randn([count], generator: gen)
    func rate(bytesPerElement: Int, _ op: () -> Void) -> Double {
        op()
        var reps = 0
        let t = measureSeconds {
            let start = Date()
            while Date().timeIntervalSince(start) < seconds { op(); reps += 1 }
        }
        return Double(bytesPerElement * count * reps) / t / 1e9
    }
    var dst = [Float](repeating: 0, count: count)
    let copy = a.withUnsafeBufferPointer { src in
        dst.withUnsafeMutableBufferPointer { d in
            rate(bytesPerElement: 8) { d.baseAddress!.update(from: src.baseAddress!, count: count) }
        }
    }
    let add = rate(bytesPerElement: 12) { _ = a + b }
    let mul = rate(bytesPerElement: 12) { _ = a * b }
    let relu = rate(bytesPerElement: 8) { _ = a.relu() }
    return BenchResult(
        workload: "elementwise",
        fields: [
            ("elements", count), ("add_gb_per_s", add), ("mul_gb_per_s", mul), ("relu_gb_per_s", relu),
            ("copy_gb_per_s", copy), ("add_vs_copy", add / copy),
        ])
}
