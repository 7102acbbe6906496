import Foundation
import Testing

@testable import Descent

/// The look-ahead (lecture-notes) form of Nesterov momentum against PyTorch's form (``SGD`` with
/// `nesterov: true`, itself checked against `torch.optim.SGD` by the fixture tests), on the quadratic
/// `f(θ) = ½ θᵀAθ − bᵀθ` (gradient `Aθ − b`).
///
/// How the iterates map: PyTorch's parameter after `t` steps, `p_t`, is the look-ahead point `θ_t + μ·v_t` of
/// the lecture form, i.e. exactly where the lecture form takes its `t`-th gradient; PyTorch's momentum buffer is
/// `b_t = −v_t / lr`, so the lecture iterate is `θ_t = p_t + μ·lr·b_t`. Both reach the minimiser `A⁻¹b`.
@Suite struct LookAheadNesterovTests {
    static let a: [[Float]] = [[3, 0.5, 0], [0.5, 2, 0.3], [0, 0.3, 1]]
    static let b: [Float] = [1, -2, 0.5]

    static func gradient(_ theta: Tensor) -> Tensor {
        let x = theta.scalars
        return Tensor((0..<3).map { i in (0..<3).reduce(Float(0)) { $0 + a[i][$1] * x[$1] } - b[i] })
    }

    @Test(arguments: [(0.1, 0.9, 0.0), (0.05, 0.8, 0.01)])
    func sameIteratesAsPyTorchForm(lr: Double, momentum: Double, weightDecay: Double) throws {
        let start: [Float] = [2, 1, -1]
        let p = Tensor(start).requiringGrad()  // PyTorch's form
        let theta = Tensor(start).requiringGrad()  // the lecture form
        let torchForm = SGD([p], lr: lr, momentum: momentum, weightDecay: weightDecay, nesterov: true)
        let lectureForm = LookAheadNesterov([theta], lr: lr, momentum: momentum, weightDecay: weightDecay)
        let mu = Float(momentum), eta = Float(lr)
        for t in 0..<200 {
            // Gradient step t of the lecture form: inside the closure theta holds the look-ahead point,
            // which must be PyTorch's current iterate p_t.
            let pt = p.clone()
            lectureForm.zeroGrad()
            lectureForm.step {
                expectClose(theta, pt, rtol: 2e-5, floor: 1e-2, "look-ahead point at step \(t)")
                theta.grad = Self.gradient(theta)
            }
            torchForm.zeroGrad()
            p.grad = Self.gradient(p)
            torchForm.step()
            // After the step: θ_{t+1} = p_{t+1} + μ·lr·b_{t+1}.
            let buffer = try #require(torchForm.stateDict().parameters[0].buffers["momentum_buffer"])
            let mapped = Tensor(zip(p.scalars, buffer).map { $0 + mu * eta * $1 })
            expectClose(theta, mapped, rtol: 2e-5, floor: 1e-2, "iterate after step \(t + 1)")
        }
        // Both converge to the minimiser of ½θᵀ(A + λI)θ − bᵀθ.
        let x = try solveLinearSystem(
            Self.a.map { $0.map(Double.init) }.enumerated().map { i, row in
                row.enumerated().map { j, v in i == j ? v + weightDecay : v }
            }, Self.b.map(Double.init))
        let solution = Tensor(x.map(Float.init))
        expectClose(theta, solution, rtol: 1e-4, floor: 1e-2, "lecture form at the minimiser")
        expectClose(p, solution, rtol: 1e-4, floor: 1e-2, "PyTorch form at the minimiser")
    }

    /// The look-ahead form needs `step(computingGradients:)` (a plain `step()` is a precondition failure, since
    /// the gradient would be taken at the wrong point); an error thrown by the closure moves the parameters back.
    @Test func throwingClosureRestoresParameters() {
        struct Failure: Error {}
        let theta = Tensor([1, 2]).requiringGrad()
        let optimizer = LookAheadNesterov([theta], lr: 0.1, momentum: 0.9)
        optimizer.step { theta.grad = Tensor([1, 1]) }
        let before = theta.clone()
        #expect(throws: Failure.self) { try optimizer.step { throw Failure() } }
        #expect(theta.isBitwiseEqual(before))
        #expect(optimizer.stepCount == 1)
    }

    /// State save and restore mid-run continues bitwise.
    @Test func saveRestore() throws {
        func run(_ theta: Tensor, _ o: LookAheadNesterov, _ steps: Range<Int>) {
            for _ in steps {
                o.zeroGrad()
                o.step { theta.grad = Self.gradient(theta) }
            }
        }
        let a = Tensor([2, 1, -1]).requiringGrad()
        let oa = LookAheadNesterov([a], lr: 0.1)
        run(a, oa, 0..<40)
        let b = Tensor([2, 1, -1]).requiringGrad()
        let ob = LookAheadNesterov([b], lr: 0.1)
        run(b, ob, 0..<15)
        let state = try JSONDecoder().decode(OptimizerState.self, from: JSONEncoder().encode(ob.stateDict()))
        let c = b.clone().requiringGrad()
        let oc = LookAheadNesterov([c], lr: 0.1)
        try oc.load(state: state)
        run(c, oc, 15..<40)
        #expect(c.isBitwiseEqual(a))
    }
}

/// Solves the square system `m x = y` by Gaussian elimination with partial pivoting (in `Double`).
func solveLinearSystem(_ m: [[Double]], _ y: [Double]) throws -> [Double] {
    var a = m, r = y
    let n = r.count
    for col in 0..<n {
        let pivot = (col..<n).max { Swift.abs(a[$0][col]) < Swift.abs(a[$1][col]) }!
        guard Swift.abs(a[pivot][col]) > 1e-12 else { throw DescentError(.shape, "solve", "singular matrix") }
        a.swapAt(col, pivot)
        r.swapAt(col, pivot)
        for row in (col + 1)..<n {
            let f = a[row][col] / a[col][col]
            for k in col..<n { a[row][k] -= f * a[col][k] }
            r[row] -= f * r[col]
        }
    }
    var x = [Double](repeating: 0, count: n)
    for row in stride(from: n - 1, through: 0, by: -1) {
        let s = ((row + 1)..<n).reduce(r[row]) { $0 - a[row][$1] * x[$1] }
        x[row] = s / a[row][row]
    }
    return x
}
