import Testing

@testable import Descent

@Suite struct AutogradTests {
    @Test func leavesAndRecordedNodes() {
        var x = Tensor([1, 2, 3])
        #expect(!x.requiresGrad && x.isLeaf && x.grad == nil)
        x.requiresGrad = true
        #expect(x.requiresGrad && x.isLeaf)
        let y = x * 2
        #expect(y.requiresGrad && !y.isLeaf)
        #expect(!(Tensor([1]) * 2).requiresGrad)
        x.requiresGrad = false
        #expect(!x.requiresGrad && x.grad == nil)
    }

    @Test func simpleChainRule() {
        let x = Tensor([1, 2, 3]).requiringGrad()
        (x * x * x).sum().backward()  // d/dx x³ = 3x²
        #expect(x.grad?.scalars == [3, 12, 27])
        #expect(x.grad?.shape == [3])
    }

    @Test func gradientsAccumulateAcrossBackwardCalls() {
        let x = Tensor([1, -2]).requiringGrad()
        (x * 3).sum().backward()
        #expect(x.grad?.scalars == [3, 3])
        let first = x.grad!
        (x * x).sum().backward()
        #expect(x.grad?.scalars == [5, -1])
        #expect(first.scalars == [3, 3])  // a gradient read earlier is a value, not a view
    }

    @Test func zeroGradClears() {
        let x = Tensor([1, 2]).requiringGrad()
        (x * 5).sum().backward()
        #expect(x.grad != nil)
        x.zeroGrad()
        #expect(x.grad == nil)
        (x * 5).sum().backward()
        #expect(x.grad?.scalars == [5, 5])  // not 10: nothing left over
        x.grad = Tensor([1, 1])
        #expect(x.grad?.scalars == [1, 1])
    }

    @Test func noGradScopeRecordsNothing() {
        let x = Tensor([1, 2]).requiringGrad()
        let y = withNoGrad { (x * 2).exp().sum() }
        #expect(!y.requiresGrad)
        #expect(GradMode.isEnabled)
        withNoGrad { #expect(!GradMode.isEnabled) }
        let z = withNoGrad { x.matmul(x) + x.softmax().sum() }
        #expect(!z.requiresGrad && x.grad == nil)
        // Recording resumes after the scope.
        (x * 2).sum().backward()
        #expect(x.grad?.scalars == [2, 2])
    }

    @Test func detachStopsGradientsButSharesValues() {
        let x = Tensor([1, 2, 3]).requiringGrad()
        let d = x.detach()
        #expect(!d.requiresGrad && d.isBitwiseEqual(x))
        (x * d).sum().backward()  // only the first factor carries a gradient
        #expect(x.grad?.scalars == [1, 2, 3])
    }

    @Test func explicitUpstreamGradient() {
        let x = Tensor([1, 2, 3, 4], shape: [2, 2]).requiringGrad()
        let y = x * x
        y.backward(Tensor([1, 0, 2, -1], shape: [2, 2]))
        #expect(x.grad?.scalars == [2, 0, 12, -8])
        // A scalar output needs no explicit gradient; a one-element tensor counts as one.
        let z = Tensor([3]).requiringGrad()
        (z * z).backward()
        #expect(z.grad?.scalars == [6])
    }

    @Test func retainGraphAllowsASecondBackward() {
        let x = Tensor([1, 2]).requiringGrad()
        let y = (x * x).sum()
        y.backward(retainGraph: true)
        #expect(x.grad?.scalars == [2, 4])
        y.backward()
        #expect(x.grad?.scalars == [4, 8])
    }

    @Test func fanOutSumsGradients() {
        let x = Tensor([1, 2, 3]).requiringGrad()
        let h = x.exp()
        let y = h * 2 + h.sin() + x  // x reaches y along three paths, h along two
        y.sum().backward()
        let expected = x.detach().exp() * 2 + x.detach().exp() * x.detach().exp().cos() + 1
        expectClose(x.grad!, expected, rtol: 1e-5)
        // The same tensor as both operands of one op.
        let w = Tensor([3, -1]).requiringGrad()
        (w * w).sum().backward()
        #expect(w.grad?.scalars == [6, -2])
        let v = Tensor([2]).requiringGrad()
        (v + v + v).sum().backward()
        #expect(v.grad?.scalars == [3])
    }

    /// Gradients of broadcast operands come back in the operand's own shape.
    @Test func broadcastGradientsReduceToInputShape() {
        let a = Tensor.ones([2, 3]).requiringGrad(), b = Tensor([1, 2, 3]).requiringGrad(),
            s = Tensor(2).requiringGrad()
        ((a * b) * s).sum().backward()
        #expect(a.grad?.shape == [2, 3] && a.grad?.scalars == [2, 4, 6, 2, 4, 6])
        #expect(b.grad?.shape == [3] && b.grad?.scalars == [4, 4, 4])
        #expect(s.grad?.shape == [] && s.grad?.scalars == [12])
    }

    /// Copies of a parameter are the same parameter: they share the gradient.
    @Test func copiesOfALeafShareItsGradient() {
        let p = Tensor([1, 2]).requiringGrad()
        let q = p
        (q * 4).sum().backward()
        #expect(p.grad?.scalars == [4, 4])
        let r = p.requiringGrad()  // a new leaf: its own gradient
        (r * 1).sum().backward()
        #expect(r.grad?.scalars == [1, 1] && p.grad?.scalars == [4, 4])
    }

    /// Writing to a copy of an input after the forward pass does not change the values the tape saved.
    @Test func copyOnWriteProtectsSavedValues() {
        let a = Tensor([1, 2, 3]).requiringGrad()
        let b = Tensor([4, 5, 6])
        let y = (a * b).sum()
        var b2 = b
        b2[index: 0] = 100
        b2.withUnsafeMutableBufferPointer { $0[1] = 200 }
        y.backward()
        #expect(a.grad?.scalars == [4, 5, 6])
        #expect(b.scalars == [4, 5, 6] && b2.scalars == [100, 200, 6])
    }

    @Test func deepChainDoesNotOverflowTheStack() {
        let x = Tensor([0.5]).requiringGrad()
        var y = x
        for _ in 0..<5000 { y = y * 1.0001 }
        y.sum().backward()
        let expected = Float(Double(1.0001).power(5000))
        #expect(Swift.abs(x.grad!.item - expected) < 1e-3 * expected)
    }

    @Test func compositeGradientMatchesFiniteDifferences() {
        let x = TestData.normal([3, 4], seed: 101), w = TestData.normal([4, 2], seed: 102),
            b = TestData.normal([2], seed: 103)
        expectGradientsMatchFiniteDifferences([x, w, b], "mlp") {
            let h = ($0[0].matmul($0[1]) + $0[2]).tanh()
            return h.logSoftmax(axis: 1).mean() + (h * h).sum() * 0.1
        }
    }
}

private extension Double {
    func power(_ n: Int) -> Double { (0..<n).reduce(1.0) { r, _ in r * self } }
}
