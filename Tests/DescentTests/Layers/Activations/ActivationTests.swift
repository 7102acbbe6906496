import Testing

@testable import Descent

/// Activation layers against PyTorch (relative tolerance 1e-4) and finite differences.
@Suite struct ActivationTests {
    @Test func matchesPyTorch() throws {
        try expectMatchesPyTorch("relu", ReLU())
        try expectMatchesPyTorch("leaky_relu", LeakyReLU(negativeSlope: 0.2))
        try expectMatchesPyTorch("elu", ELU(alpha: 1.3))
        try expectMatchesPyTorch("gelu", GELU())
        try expectMatchesPyTorch("gelu_tanh", GELU(approximate: .tanh))
        try expectMatchesPyTorch("silu", SiLU())
        try expectMatchesPyTorch("sigmoid", Sigmoid())
        try expectMatchesPyTorch("tanh", Tanh())
        try expectMatchesPyTorch("softmax", Softmax(dim: 1))
        try expectMatchesPyTorch("log_softmax", LogSoftmax(dim: -1))
    }

    @Test func gradientsMatchFiniteDifferences() {
        // Inputs kept away from the kinks at 0 of ReLU-like functions.
        let g = RandomGenerator(seed: 11)
        let x = g.normal([3, 5]).map { $0 >= 0 ? $0 + 0.1 : $0 - 0.1 }
        let layers: [(String, Module)] = [
            ("ReLU", ReLU()), ("LeakyReLU", LeakyReLU(negativeSlope: 0.1)), ("ELU", ELU(alpha: 0.7)), ("GELU", GELU()),
            ("GELU tanh", GELU(approximate: .tanh)), ("SiLU", SiLU()), ("Sigmoid", Sigmoid()), ("Tanh", Tanh()),
            ("Softmax", Softmax(dim: 0)), ("LogSoftmax", LogSoftmax(dim: 1)),
        ]
        for (name, layer) in layers {
            expectGradientsMatchFiniteDifferences([x], eps: 1e-2, name) { t in probeLoss(layer(t[0])) }
        }
    }

    /// ReLU treats NaN and −0 as PyTorch 2.15 does — `torch.relu([nan, -0., 0., -1., 2.])` is `[nan, -0., 0., 0., 2.]`
    /// and its gradient for ones is `[1, 0, 0, 0, 1]` — alone and in every fused path (Linear+ReLU through oneDNN
    /// or sgemm, Conv2d+ReLU+MaxPool2d, BatchNorm2d+ReLU; the C kernels themselves in `KernelVariantTests`), so
    /// that a NaN is never hidden.
    @Test func reluKeepsNaNAndNegativeZeroLikePyTorch() {
        let x = Tensor([.nan, -0.0, 0, -1, 2]).requiringGrad()
        let y = x.relu()
        let values = y.scalars
        #expect(values[0].isNaN && values[1] == 0 && values[1].sign == .minus && values[2].sign == .plus)
        #expect(Array(values[2...]) == [0, 0, 2])
        y.backward(Tensor.ones([5]))
        #expect(x.grad!.scalars == [1, 0, 0, 0, 1])
        #expect(ReLU()(Tensor([.nan])).scalars[0].isNaN, "ReLU layer")

        let g = RandomGenerator(seed: 5)
        for width in [300, 3] {  // the oneDNN matmul and the small sgemm path
            let linear = Linear(4, width, generator: g)
            let input = g.normal([2, 4])
            input.withSharedStorage { $0[1] = .nan }
            let out = withNoGrad { Sequential(linear, ReLU())(input) }.scalars
            #expect(
                out[..<width].allSatisfy(\.isNaN) && out[width...].allSatisfy { $0.isFinite },
                "Linear(4, \(width)) + ReLU: the NaN row stays NaN")
        }
        let conv = Conv2d(1, 2, kernelSize: 3, padding: 1, generator: g)
        let image = g.normal([2, 1, 6, 6])
        image.withSharedStorage { $0[14] = .nan }
        let pooled = Sequential(conv, ReLU(), MaxPool2d(kernelSize: 2))(image).scalars
        #expect(
            pooled[..<18].contains { $0.isNaN } && pooled[18...].allSatisfy { $0.isFinite },
            "Conv2d + ReLU + MaxPool2d: NaN in the first image only")
        let norm = BatchNorm2d(2)
        _ = norm.eval()
        let features = g.normal([1, 2, 2, 2])
        features.withSharedStorage { $0[5] = .nan }
        let normed = Sequential(norm, ReLU())(features).scalars
        #expect(
            normed[5].isNaN && normed.enumerated().allSatisfy { $0.offset == 5 || $0.element.isFinite },
            "BatchNorm2d (eval) + ReLU")
    }

    @Test func knownValues() throws {
        let x = Tensor([-2, -0.5, 0, 1.5])
        expectClose(x.leakyRelu(negativeSlope: 0.1), Tensor([-0.2, -0.05, 0, 1.5]), "leakyRelu")
        expectClose(x.elu(), Tensor([-0.86466472, -0.39346934, 0, 1.5]), "elu")
        expectClose(x.gelu(), Tensor([-0.04550026, -0.15426877, 0, 1.39978350]), "gelu")
        expectClose(x.silu(), Tensor([-0.23840584, -0.18877033, 0, 1.22636171]), "silu")
        #expect(try Softmax(dim: 2).outputShape(for: [2, 3, 4]) == [2, 3, 4])
        #expect(throws: DescentError.self) { try Softmax(dim: 3).outputShape(for: [2, 3, 4]) }
    }
}
