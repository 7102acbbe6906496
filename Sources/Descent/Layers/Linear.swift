extension Tensor {
    /// Affine map over the last dimension (PyTorch's `F.linear`): `y = x · Wᵀ + b` for `x` of shape
    /// `[*, in]`, `weight` `[out, in]`, `bias` `[out]`; result `[*, out]`.
    ///
    /// One matrix product with the bias fused into its output (``Backend/affine(m:n:k:a:b:bias:relu:c:)``).
    /// Backward: `∂x = g · W`, `∂W = gᵀ · x`, `∂b = Σ_rows g`. Under ``Backend/precision`` ``Precision/bf16`` (as it
    /// is when the forward pass runs) the three matrix products round their inputs to bfloat16 and accumulate in
    /// float32; the output and the gradients are float32.
    public func linear(weight: Tensor, bias: Tensor? = nil) -> Tensor {
        linear(weight: weight, bias: bias, relu: false)
    }

    /// ``linear(weight:bias:)`` followed by `max(·, 0)` when `relu`, fused into the matrix product's output; the
    /// backward pass masks the gradient with `y > 0` first.
    /// `precision` is that of the three matrix products (by default ``Backend/precision`` at the forward pass).
    func linear(weight: Tensor, bias: Tensor?, relu: Bool, precision: Precision = Backend.precision) -> Tensor {
        precondition(weight.rank == 2, "linear: weight must be [out, in], got \(weight.shape)")
        let outF = weight.shape[0], inF = weight.shape[1]
        precondition(
            rank >= 1 && shape[rank - 1] == inF,
            "linear: input \(shape) does not end in in_features = \(inF) (weight \(weight.shape))")
        if let bias { precondition(bias.shape == [outF], "linear: bias must be [\(outF)], got \(bias.shape)") }
        let rows = count / Swift.max(inF, 1)
        let outShape = Array(shape.dropLast()) + [outF]
        let out = Tensor(uninitializedShape: outShape)
        Backend.affine(
            m: rows, n: outF, k: inF, a: storage.pointer, b: weight.storage.pointer,
            bias: bias.map { UnsafePointer($0.storage.pointer) }, relu: relu, c: out.storage.pointer,
            precision: precision)
        let x = detach(), w = weight.detach()
        let inputs = bias.map { [self, weight, $0] } ?? [self, weight]
        let inShape = shape
        return Tensor.record(relu ? "linear_relu" : "linear", out, inputs) { upstream, needs in
            let g = relu ? Tensor.reluBackward(upstream, output: out) : upstream
            var grads: [Tensor?] = [nil, nil, nil]
            let pg = g.storage.pointer
            if needs[0] {
                let gx = Tensor(uninitializedShape: inShape)
                Backend.gemm(
                    transposeA: false, transposeB: false, m: rows, n: inF, k: outF,
                    alpha: 1, a: pg, lda: outF, b: w.storage.pointer, ldb: inF,
                    beta: 0, c: gx.storage.pointer, ldc: inF, precision: precision)
                grads[0] = gx
            }
            if needs[1] {
                let gw = Tensor(uninitializedShape: [outF, inF])
                Backend.gemm(
                    transposeA: true, transposeB: false, m: outF, n: inF, k: rows,
                    alpha: 1, a: pg, lda: outF, b: x.storage.pointer, ldb: inF,
                    beta: 0, c: gw.storage.pointer, ldc: inF, precision: precision)
                grads[1] = gw
            }
            if inputs.count == 3 && needs[2] {
                grads[2] = g.reshaped([rows, outF]).sum(alongAxes: [0])
            }
            return Array(grads.prefix(inputs.count))
        }
    }
}

/// A fully connected layer (PyTorch's `nn.Linear`): `y = x · Wᵀ + b` over the last dimension.
///
/// `weight` is `[outFeatures, inFeatures]` and `bias` `[outFeatures]`, both initialised as PyTorch does:
/// `U(−1/√in, 1/√in)` (Kaiming uniform with `a = √5` for the weight).
public final class Linear: Module {
    /// Size of each input's last dimension.
    public let inFeatures: Int
    /// Size of each output's last dimension.
    public let outFeatures: Int
    /// The weight, `[outFeatures, inFeatures]`.
    @Parameter public var weight: Tensor
    /// The bias, `[outFeatures]`, or `nil` when created with `bias: false`.
    @Parameter public var bias: Tensor?

    /// `torch.nn.Linear`'s default `bias`, true.
    public static let defaultBias = true

    /// A layer mapping `inFeatures` to `outFeatures`, with PyTorch's default initialisation drawn from `generator`.
    public init(
        _ inFeatures: Int, _ outFeatures: Int, bias: Bool = defaultBias,
        generator: RandomGenerator = .default
    ) {
        precondition(inFeatures >= 0 && outFeatures >= 0, "Linear: negative size (\(inFeatures), \(outFeatures))")
        self.inFeatures = inFeatures
        self.outFeatures = outFeatures
        self.weight = Initializer.pytorchDefaultWeight.tensor([outFeatures, inFeatures], generator: generator)
        self.bias =
            bias ? Initializer.pytorchDefaultBias(fanIn: inFeatures).tensor([outFeatures], generator: generator) : nil
        super.init()
    }

    /// `x · Wᵀ + b` for `x` of shape `[*, inFeatures]`.
    public override func callAsFunction(_ x: Tensor) -> Tensor { forward(x, epilogue: .none) }

    /// `[*, outFeatures]` for an input `[*, inFeatures]`.
    public override func outputShape(for inputShape: [Int]) throws -> [Int] {
        guard let last = inputShape.last, last == inFeatures else {
            throw shapeError("expects input [*, \(inFeatures)] (in_features = \(inFeatures)), got \(inputShape)")
        }
        return Array(inputShape.dropLast()) + [outFeatures]
    }

    /// `in_features=…, out_features=…, bias=…`.
    public override var extraDescription: String {
        "in_features=\(inFeatures), out_features=\(outFeatures), bias=\(bias == nil ? "False" : "True")"
    }
}

extension Linear: EpilogueFusable {
    /// ReLU, fused into the matrix product's output.
    public func canFuse(_ epilogue: Epilogue) -> Bool { epilogue != .reluMaxPool2x2 }

    /// `x · Wᵀ + b`, followed by `epilogue` (the ReLU fused).
    public func forward(_ x: Tensor, epilogue: Epilogue) -> Tensor {
        checkInput(x)
        let y = x.linear(weight: weight, bias: bias, relu: epilogue != .none)
        return epilogue == .reluMaxPool2x2 ? y.maxPool2d(kernelSize: 2) : y
    }
}
