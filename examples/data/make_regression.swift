// Writes examples/data/regression.csv: 400 rows of three features and a target with a known linear relation,
//     y = 3·x1 − 2·x2 + 0.5·x3 + 1 + ε,   x1, x2, x3 ~ U(−2, 2),   ε ~ N(0, 0.1²),
// so a model that learns it reaches a test RMSE near 0.1 and an R² near 0.999.
// Run from the repository root:  swift examples/data/make_regression.swift > examples/data/regression.csv
import Foundation

/// SplitMix64: a small seeded generator, the same numbers on every platform.
struct SplitMix64 {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    /// Uniform in [0, 1).
    mutating func uniform() -> Double { Double(next() >> 11) / Double(1 << 53) }
    /// Standard normal (Box–Muller).
    mutating func normal() -> Double { (-2 * log(1 - uniform())).squareRoot() * cos(2 * .pi * uniform()) }
}

var rng = SplitMix64(state: 42)
print("x1,x2,x3,y")
for _ in 0..<400 {
    let x = (0..<3).map { _ in 4 * rng.uniform() - 2 }
    let y = 3 * x[0] - 2 * x[1] + 0.5 * x[2] + 1 + 0.1 * rng.normal()
    print((x + [y]).map { String(format: "%.4f", $0) }.joined(separator: ","))
}
