import Foundation
import Testing

@testable import Descent

/// A tensor stored in a fixture file: `{"shape": [..], "data": [..]}` (data in row-major order).
struct FixtureTensor: Decodable {
    let shape: [Int]
    let data: [Float]
    var tensor: Tensor { Tensor(data, shape: shape) }
}

/// Loads and decodes a JSON fixture from `Tests/DescentTests/Fixtures/NAME` (written by `Tests/Fixtures/*.py`).
func loadFixture<T: Decodable>(_ name: String, as type: T.Type = T.self) throws -> T {
    guard let url = Bundle.module.url(forResource: name, withExtension: nil, subdirectory: "Fixtures") else {
        throw DescentError(.file, "Fixtures/\(name)", "fixture not found in the test bundle")
    }
    return try JSONDecoder().decode(T.self, from: Data(contentsOf: url))
}

/// The largest relative error `|a − b| / max(|b|, floor)` over all elements (`floor` guards values near 0).
func maxRelativeError(_ a: Tensor, _ b: Tensor, floor: Float = 1e-3) -> Float {
    precondition(a.shape == b.shape, "maxRelativeError: shapes \(a.shape) and \(b.shape) differ")
    var worst: Float = 0
    for (x, y) in zip(a.scalars, b.scalars) {
        if x.isNaN != y.isNaN { return .infinity }
        if x.isNaN || x == y { continue }
        worst = max(worst, Swift.abs(x - y) / max(Swift.abs(y), floor))
    }
    return worst
}

/// Expects `actual` to equal `expected` in shape and within relative tolerance `rtol` (see ``maxRelativeError``).
func expectClose(
    _ actual: Tensor, _ expected: Tensor, rtol: Float = 1e-4, floor: Float = 1e-3,
    _ what: @autoclosure () -> String = "", sourceLocation: SourceLocation = #_sourceLocation
) {
    #expect(
        actual.shape == expected.shape, "\(what()): shape \(actual.shape) vs \(expected.shape)",
        sourceLocation: sourceLocation)
    guard actual.shape == expected.shape else { return }
    let err = maxRelativeError(actual, expected, floor: floor)
    #expect(err <= rtol, "\(what()): max relative error \(err) > \(rtol)", sourceLocation: sourceLocation)
}

/// Checks the autodiff gradients of `f` (a scalar-valued function) at `inputs` against central finite
/// differences, computed in Double from float evaluations: |analytic − numeric| ≤ atol + rtol·|numeric|.
func expectGradientsMatchFiniteDifferences(
    _ inputs: [Tensor], eps: Float = 1e-2, rtol: Float = 2e-2, atol: Float = 2e-3,
    _ what: String = "", sourceLocation: SourceLocation = #_sourceLocation,
    _ f: ([Tensor]) -> Tensor
) {
    let leaves = inputs.map { $0.clone().requiringGrad() }
    let out = f(leaves)
    out.backward()
    for (k, leaf) in leaves.enumerated() {
        let analytic = leaf.grad ?? Tensor.zeros(leaf.shape)
        for i in 0..<leaf.count {
            var plus = inputs.map { $0.clone() }, minus = inputs.map { $0.clone() }
            plus[k].withUnsafeMutableBufferPointer { $0[i] += eps }
            minus[k].withUnsafeMutableBufferPointer { $0[i] -= eps }
            let fp = withNoGrad { Double(f(plus).item) }, fm = withNoGrad { Double(f(minus).item) }
            let numeric = Float((fp - fm) / (2 * Double(eps)))
            let a = analytic.scalars[i]
            #expect(
                Swift.abs(a - numeric) <= atol + rtol * Swift.abs(numeric),
                "\(what): input \(k) element \(i): autodiff \(a) vs finite difference \(numeric)",
                sourceLocation: sourceLocation)
        }
    }
}
