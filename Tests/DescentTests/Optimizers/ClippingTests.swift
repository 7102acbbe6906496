import Testing

@testable import Descent

/// Gradient clipping by value and by global norm (PyTorch's clip_grad_value_ / clip_grad_norm_; the fixture
/// trajectories check them against PyTorch inside training runs).
@Suite struct ClippingTests {
    @Test func clipByValue() {
        let a = Tensor([1, 2]).requiringGrad(), b = Tensor([1, 2, 3]).requiringGrad(), c = Tensor([0]).requiringGrad()
        a.grad = Tensor([-7, 3])
        b.grad = Tensor([6, -4.5, 5])
        clipGradValue([a, b, c], 5)
        #expect(a.grad!.scalars == [-5, 3])
        #expect(b.grad!.scalars == [5, -4.5, 5])
        #expect(c.grad == nil)
    }

    @Test func clipByNormReturnsTotalBeforeClipping() {
        let a = Tensor([0, 0]).requiringGrad(), b = Tensor([0]).requiringGrad()
        a.grad = Tensor([3, 0])
        b.grad = Tensor([4])
        let total = clipGradNorm([a, b], maxNorm: 1)
        #expect(total == 5)
        let coefficient = Float(1) / (5 + 1e-6)
        #expect(a.grad!.scalars == [3 * coefficient, 0])
        #expect(b.grad!.scalars == [4 * coefficient])

        a.grad = Tensor([3, -6])
        b.grad = Tensor([4])
        #expect(clipGradNorm([a, b], maxNorm: 2, normType: .infinity) == 6)
        let inf = Float(2) / (6 + 1e-6)
        #expect(a.grad!.scalars == [3 * inf, -6 * inf])

        a.grad = Tensor([0.3, 0])
        b.grad = Tensor([0.4])
        #expect(Swift.abs(clipGradNorm([a, b], maxNorm: 1) - 0.5) < 1e-7)
        #expect(a.grad!.scalars == [0.3, 0])  // below the maximum: unchanged

        a.grad = Tensor([1, -2])
        b.grad = Tensor([3])
        #expect(clipGradNorm([a, b], maxNorm: 100, normType: 1) == 6)
        #expect(clipGradNorm([Tensor([1]).requiringGrad()], maxNorm: 1) == 0)  // no gradients
    }

    /// Gradients that share storage after a backward pass (the two inputs of an addition receive the same
    /// gradient tensor) are clipped independently: clipping one must not clip the other twice.
    @Test func sharedGradientStorage() {
        let a = Tensor([3, 4]).requiringGrad(), b = Tensor([1, 1]).requiringGrad()
        ((a + b) * Tensor([3, 4])).sum().backward()
        #expect(a.grad!.scalars == [3, 4] && b.grad!.scalars == [3, 4])
        let total = clipGradNorm([a, b], maxNorm: 1)
        #expect(Swift.abs(total - Float(50).squareRoot()) < 1e-5)
        #expect(a.grad!.isBitwiseEqual(b.grad!))
        let expected = Float(3) * (Float(1) / (total + 1e-6))
        #expect(a.grad!.scalars[0] == expected)
    }

    @Test func largeGradientNorm() {
        let n = 300_000
        let p = Tensor.zeros([n]).requiringGrad()
        p.grad = Tensor.ones([n])
        let total = clipGradNorm([p], maxNorm: 1)
        #expect(Swift.abs(total - Float(n).squareRoot()) <= 1e-6 * Float(n).squareRoot())
        #expect(clipGradNorm([p], maxNorm: 10, normType: .infinity) <= 1 / Float(n).squareRoot() * 1.0001)
    }
}
