import Testing

@testable import Descent

/// A Linear layer's forward pass and gradients in bf16 agree with float32 within ``bf16Tolerance`` on normalised
/// values (and differ from them where the CPU runs bf16); the gradients are float32 tensors either way.
@Suite struct LinearPrecisionTests {
    /// The output and the gradients of x, W and b of `sum(linear(x) · probe)` in `precision`.
    func run(_ precision: Precision, relu: Bool) -> [[Float]] {
        let g = RandomGenerator(seed: 41)
        let x = g.normal([64, 300]).requiringGrad(), w = g.normal([200, 300]).requiringGrad()
        let b = g.normal([200]).requiringGrad(), probe = g.normal([64, 200])
        let y = x.linear(weight: w, bias: b, relu: relu, precision: precision)
        (y * probe).sum().backward()
        return [y.scalars, x.grad!.scalars, w.grad!.scalars, b.grad!.scalars]
    }

    @Test(arguments: [false, true])
    func forwardAndBackwardAgreeWithFloat32(relu: Bool) {
        let bf16 = run(.bf16, relu: relu), f32 = run(.float32, relu: relu)
        // With the fused ReLU only the output is compared: an output within bf16 rounding of 0 can change sign, and
        // its gradient switches between the upstream value and 0 (a discontinuity no tolerance covers).
        for (i, name) in ["output", "∂x", "∂W", "∂b"].enumerated() where i == 0 || !relu {
            #expect(normalisedError(bf16[i], f32[i]) < bf16Tolerance, "\(name) relu \(relu)")
        }
        if Backend.supportsBF16 {
            #expect(bf16[0] != f32[0], "the forward product ran in bf16")
            #expect(bf16[1] != f32[1] && bf16[2] != f32[2], "the gradient products ran in bf16 (relu \(relu))")
        }
    }
}
