extension Tensor {
    /// 2-D cross-correlation (PyTorch's `F.conv2d`) of an input `[N, C, H, W]` (or unbatched `[C, H, W]`) with
    /// `weight` `[K, C/groups, kH, kW]`, plus `bias` `[K]`:
    ///
    ///     y[n, k, i, j] = b[k] + Σ_{c, p, q} W[k, c, p, q] · x[n, g·C/groups + c, i·s_h − p_h + p·d_h, j·s_w − p_w + q·d_w]
    ///
    /// (zero outside the input), with output size `⌊(H + 2p − d(kH − 1) − 1)/s⌋ + 1` per dimension. Computed by
    /// oneDNN's convolution primitives over the whole batch where available (see ``ConvolutionChoice``), else by
    /// im2col and one GEMM per image and group, parallel over the batch; the backward pass computes
    /// `∂x = col2im(Wᵀ·∂y)`, `∂W = Σ ∂y·colsᵀ` and `∂b = Σ ∂y` the same way.
    public func conv2d(
        weight: Tensor, bias: Tensor? = nil, stride: Size2D = 1, padding: Size2D = 0,
        dilation: Size2D = 1, groups: Int = 1
    ) -> Tensor {
        conv2d(
            weight: weight, bias: bias, stride: stride, padding: padding, dilation: dilation, groups: groups,
            relu: false)
    }

    /// ``conv2d(weight:bias:stride:padding:dilation:groups:)``, followed by `max(·, 0)` when `relu` (fused: applied
    /// to each image right after its GEMM; the backward pass masks the gradient with `y > 0` first).
    func conv2d(
        weight: Tensor, bias: Tensor?, stride: Size2D, padding: Size2D, dilation: Size2D, groups: Int,
        relu: Bool
    ) -> Tensor {
        conv2d(
            weight: weight, bias: bias, stride: stride, padding: padding, dilation: dilation, groups: groups,
            relu: relu, maxPool2x2: false)
    }

    /// ``conv2d(weight:bias:stride:padding:dilation:groups:)`` followed by ReLU (when `relu`) and, when `maxPool2x2`,
    /// by `maxPool2d(kernelSize: 2)` (which implies the ReLU): each image is convolved, rectified and pooled while in
    /// cache. The pooled backward pass routes each gradient to its window's maximum when that maximum is positive
    /// (`∂y = scatter(g ⊙ [pooled > 0])`, the composition's gradient), then runs the convolution's backward pass.
    func conv2d(
        weight: Tensor, bias: Tensor?, stride: Size2D, padding: Size2D, dilation: Size2D, groups: Int,
        relu: Bool, maxPool2x2: Bool
    ) -> Tensor {
        if rank == 3 {
            return unsqueezed(0).conv2d(
                weight: weight, bias: bias, stride: stride, padding: padding,
                dilation: dilation, groups: groups, relu: relu, maxPool2x2: maxPool2x2
            ).squeezed(0)
        }
        let plan = Tensor.conv2dPlan(
            input: self, weight: weight, bias: bias, stride: stride, padding: padding, dilation: dilation,
            groups: groups)
        let outShape = [plan.batch, plan.outChannels, plan.outHeight, plan.outWidth]
        if maxPool2x2 && plan.canPool2x2 {
            return conv2dReLUMaxPool(plan, weight: weight, bias: bias)
        }
        if maxPool2x2 {
            return conv2d(
                weight: weight, bias: bias, stride: stride, padding: padding, dilation: dilation, groups: groups,
                relu: true
            ).maxPool2d(kernelSize: 2)
        }
        let out = Tensor(uninitializedShape: outShape)
        plan.forward(
            input: storage.pointer, weight: weight.storage.pointer, bias: bias?.storage.pointer,
            output: out.storage.pointer, relu: relu)
        let outputGradient: (Tensor) -> Tensor = relu ? { Tensor.reluBackward($0, output: out) } : { $0 }
        // With the ReLU fused, each image's output gradient is masked right where the backward pass reads it.
        let outImage = plan.outChannels * plan.colCols
        let imageGradient: ((Tensor) -> (Int, UnsafeMutablePointer<Float>) -> Void)? =
            relu
            ? { g in
                let gp = g.storage.pointer, yp = out.storage.pointer
                return { n, dst in Kernels.reluBackward(gp + n * outImage, yp + n * outImage, dst, outImage) }
            } : nil
        return recordConvolution(
            plan, weight: weight, bias: bias, result: out, op: relu ? "conv2d_relu" : "conv2d",
            outputGradient: outputGradient, imageGradient: imageGradient)
    }

    /// The fused convolution, ReLU and 2×2 max pooling of ``conv2d(weight:bias:stride:padding:dilation:groups:relu:maxPool2x2:)``.
    func conv2dReLUMaxPool(_ plan: ConvPlan, weight: Tensor, bias: Tensor?) -> Tensor {
        let pH = plan.outHeight / 2, pW = plan.outWidth / 2
        let pooled = Tensor(uninitializedShape: [plan.batch, plan.outChannels, pH, pW])
        guard GradMode.isEnabled && (node != nil || weight.node != nil || bias?.node != nil) else {
            plan.forwardPooled(
                input: storage.pointer, weight: weight.storage.pointer, bias: bias?.storage.pointer,
                pooled: pooled.storage.pointer, indices: nil)
            return pooled
        }
        let argmax = PoolIndices(.allocate(capacity: Swift.max(pooled.count, 1)))
        plan.forwardPooled(
            input: storage.pointer, weight: weight.storage.pointer, bias: bias?.storage.pointer,
            pooled: pooled.storage.pointer, indices: argmax.buffer.baseAddress!)
        let planes = plan.batch * plan.outChannels, outPlane = plan.colCols, pooledPlane = pH * pW
        let channels = plan.outChannels
        /// Planes `first..<first + count` of the output gradient through the pooling and the ReLU (masked by the
        /// pooled output) into `dst`.
        func unpool(_ g: Tensor, first: Int, count: Int, into dst: UnsafeMutablePointer<Float>) {
            let gp = g.storage.pointer, yp = pooled.storage.pointer, ix = argmax.buffer.baseAddress!
            for q in 0..<count {
                let o = (first + q) * pooledPlane
                Pooling.maxPool2x2Backward(
                    gp + o, output: yp + o, indices: ix + o, dst + q * outPlane,
                    height: plan.outHeight, width: plan.outWidth, outHeight: pH, outWidth: pW)
            }
        }
        return recordConvolution(
            plan, weight: weight, bias: bias, result: pooled, op: "conv2d_relu_max_pool2d",
            outputGradient: { g in
                let gy = Tensor(uninitializedShape: [plan.batch, plan.outChannels, plan.outHeight, plan.outWidth])
                let dp = gy.storage.pointer
                Parallel.forEachChunk(planes, cost: outPlane) { range in
                    unpool(g, first: range.lowerBound, count: range.count, into: dp + range.lowerBound * outPlane)
                }
                return gy
            },
            imageGradient: { g in { n, dst in unpool(g, first: n * channels, count: channels, into: dst) } })
    }

    /// Records the backward pass of a convolution whose output gradient is `outputGradient(upstream)` (the upstream
    /// gradient of `result`, through any fused epilogue). Where the plan's backward passes are im2col + GEMM they run
    /// in one pass over the images (``ConvPlan/backward(outGrad:input:weight:inputGradient:weightGradient:biasGradient:)``),
    /// reading image `n`'s output gradient from `imageGradient(upstream)(n, buffer)` when given (the epilogue's
    /// backward per image, in cache; the same values as `outputGradient`), else from `outputGradient(upstream)`.
    func recordConvolution(
        _ plan: ConvPlan, weight: Tensor, bias: Tensor?, result: Tensor, op: String,
        outputGradient: @escaping (Tensor) -> Tensor,
        imageGradient: ((Tensor) -> (Int, UnsafeMutablePointer<Float>) -> Void)? = nil
    ) -> Tensor {
        let x = detach(), w = weight.detach()
        let inputs = bias.map { [self, weight, $0] } ?? [self, weight]
        let inShape = shape, wShape = weight.shape
        return Tensor.record(op, result, inputs) { upstream, needs in
            if plan.backwardIsFused {
                let gx = needs[0] ? Tensor(uninitializedShape: inShape) : nil
                let gw = needs[1] ? Tensor(uninitializedShape: wShape) : nil
                let gb = inputs.count == 3 && needs[2] ? Tensor(uninitializedShape: [plan.outChannels]) : nil
                func run(_ outGrad: ConvPlan.OutputGradient) {
                    plan.backward(
                        outGrad: outGrad, input: x.storage.pointer, weight: w.storage.pointer,
                        inputGradient: gx?.storage.pointer, weightGradient: gw?.storage.pointer,
                        biasGradient: gb?.storage.pointer)
                }
                if let imageGradient {
                    run(.perImage(imageGradient(upstream)))
                } else {
                    let g = outputGradient(upstream)
                    withExtendedLifetime(g) { run(.dense(g.storage.pointer)) }
                }
                return inputs.count == 3 ? [gx, gw, gb] : [gx, gw]
            }
            let g = outputGradient(upstream)
            var grads: [Tensor?] = Array(repeating: nil, count: inputs.count)
            if needs[0] {
                let gx = Tensor(uninitializedShape: inShape)
                plan.inputGradient(
                    outGrad: g.storage.pointer, weight: w.storage.pointer, bias: nil,
                    into: gx.storage.pointer)
                grads[0] = gx
            }
            let needsBias = inputs.count == 3 && needs[2]
            if needs[1] {
                // The oneDNN weight-gradient primitive also sums the bias gradient in the same pass.
                let gw = Tensor(uninitializedShape: wShape)
                let gb = needsBias ? Tensor(uninitializedShape: [plan.outChannels]) : nil
                if plan.weightGradient(
                    outGrad: g.storage.pointer, input: x.storage.pointer, into: gw.storage.pointer,
                    biasGradient: gb?.storage.pointer)
                {
                    grads[2] = gb
                }
                grads[1] = gw
            }
            if needsBias && grads[2] == nil {
                grads[2] = ConvPlan.channelSums(g, batch: plan.batch, channels: plan.outChannels, spatial: plan.colCols)
            }
            return grads
        }
    }

    /// The plan of ``conv2d(weight:bias:stride:padding:dilation:groups:)`` for a 4-D `input` (a precondition failure
    /// naming the shapes when they do not fit).
    static func conv2dPlan(
        input: Tensor, weight: Tensor, bias: Tensor?, stride: Size2D, padding: Size2D, dilation: Size2D, groups: Int
    ) -> ConvPlan {
        let outShape: [Int]
        do {
            outShape = try Tensor.conv2dOutputShape(
                input: input.shape, weight: weight.shape, bias: bias?.shape, stride: stride,
                padding: padding, dilation: dilation, groups: groups)
        } catch {
            preconditionFailure("conv2d: \(error)")
        }
        return ConvPlan(
            batch: input.shape[0], inChannels: input.shape[1], height: input.shape[2], width: input.shape[3],
            outChannels: outShape[1], outHeight: outShape[2], outWidth: outShape[3], groups: groups,
            kernelH: weight.shape[2], kernelW: weight.shape[3],
            strideH: stride.height, strideW: stride.width, padH: padding.height, padW: padding.width,
            dilationH: dilation.height, dilationW: dilation.width)
    }

    /// The output shape of ``conv2d(weight:bias:stride:padding:dilation:groups:)`` for a 4-D input, or a `.shape`
    /// error that gives the expected and the actual shapes.
    static func conv2dOutputShape(
        input: [Int], weight: [Int], bias: [Int]?, stride: Size2D, padding: Size2D,
        dilation: Size2D, groups: Int
    ) throws -> [Int] {
        guard weight.count == 4 else {
            throw DescentError(
                .shape, "conv2d", "weight must be [out_channels, in_channels/groups, kH, kW], got \(weight)")
        }
        guard groups >= 1, weight[0] % groups == 0 else {
            throw DescentError(.shape, "conv2d", "out_channels \(weight[0]) is not divisible by groups = \(groups)")
        }
        guard stride.height >= 1, stride.width >= 1, dilation.height >= 1, dilation.width >= 1,
            padding.height >= 0, padding.width >= 0
        else {
            throw DescentError(
                .shape, "conv2d",
                "stride \(stride) and dilation \(dilation) must be positive, padding \(padding) non-negative")
        }
        let cin = weight[1] * groups
        guard input.count == 4, input[1] == cin else {
            throw DescentError(.shape, "conv2d", "expects input [N, \(cin), H, W] (in_channels = \(cin)), got \(input)")
        }
        if let bias, bias != [weight[0]] {
            throw DescentError(.shape, "conv2d", "bias must be [\(weight[0])], got \(bias)")
        }
        let oh = ConvPlan.outputSize(
            input[2], kernel: weight[2], stride: stride.height, padding: padding.height,
            dilation: dilation.height)
        let ow = ConvPlan.outputSize(
            input[3], kernel: weight[3], stride: stride.width, padding: padding.width,
            dilation: dilation.width)
        guard oh > 0, ow > 0 else {
            throw DescentError(
                .shape, "conv2d",
                "kernel \(weight[2])×\(weight[3]) with dilation \(dilation) and padding \(padding) does not fit input \(input[2])×\(input[3]) of \(input)"
            )
        }
        return [input[0], weight[0], oh, ow]
    }
}

/// A 2-D convolution layer (PyTorch's `nn.Conv2d`); see ``Tensor/conv2d(weight:bias:stride:padding:dilation:groups:)``.
///
/// `weight` is `[outChannels, inChannels / groups, kH, kW]` and `bias` `[outChannels]`, initialised as PyTorch
/// does: `U(−1/√fan_in, 1/√fan_in)` with `fan_in = inChannels / groups · kH · kW`. Input `[N, C, H, W]` or `[C, H, W]`.
public final class Conv2d: Module {
    /// Channels of the input.
    public let inChannels: Int
    /// Channels of the output.
    public let outChannels: Int
    /// Kernel height and width.
    public let kernelSize: Size2D
    /// Step between output positions.
    public let stride: Size2D
    /// Zeros added on each side of the input.
    public let padding: Size2D
    /// Spacing between kernel taps.
    public let dilation: Size2D
    /// Number of channel groups (each output channel sees `inChannels / groups` inputs).
    public let groups: Int
    /// The kernel, `[outChannels, inChannels / groups, kH, kW]`.
    @Parameter public var weight: Tensor
    /// The bias, `[outChannels]`, or `nil` when created with `bias: false`.
    @Parameter public var bias: Tensor?

    /// `torch.nn.Conv2d`'s default `stride`, 1.
    public static let defaultStride: Size2D = 1
    /// `torch.nn.Conv2d`'s default `padding`, 0.
    public static let defaultPadding: Size2D = 0
    /// `torch.nn.Conv2d`'s default `dilation`, 1.
    public static let defaultDilation: Size2D = 1
    /// `torch.nn.Conv2d`'s default `groups`, 1.
    public static let defaultGroups = 1
    /// `torch.nn.Conv2d`'s default `bias`, true.
    public static let defaultBias = true

    /// A convolution from `inChannels` to `outChannels`, with PyTorch's default initialisation drawn from `generator`.
    public init(
        _ inChannels: Int, _ outChannels: Int, kernelSize: Size2D, stride: Size2D = defaultStride,
        padding: Size2D = defaultPadding, dilation: Size2D = defaultDilation, groups: Int = defaultGroups,
        bias: Bool = defaultBias, generator: RandomGenerator = .default
    ) {
        precondition(
            groups >= 1 && inChannels % groups == 0 && outChannels % groups == 0,
            "Conv2d: in_channels \(inChannels) and out_channels \(outChannels) must be divisible by groups \(groups)")
        precondition(
            kernelSize.height >= 1 && kernelSize.width >= 1, "Conv2d: kernel size \(kernelSize) must be positive")
        self.inChannels = inChannels
        self.outChannels = outChannels
        self.kernelSize = kernelSize
        self.stride = stride
        self.padding = padding
        self.dilation = dilation
        self.groups = groups
        let wShape = [outChannels, inChannels / groups, kernelSize.height, kernelSize.width]
        self.weight = Initializer.pytorchDefaultWeight.tensor(wShape, generator: generator)
        let fanIn = Initializer.fans(wShape).fanIn
        self.bias =
            bias ? Initializer.pytorchDefaultBias(fanIn: fanIn).tensor([outChannels], generator: generator) : nil
        super.init()
    }

    /// The convolution of `x` (`[N, inChannels, H, W]` or `[inChannels, H, W]`).
    public override func callAsFunction(_ x: Tensor) -> Tensor { forward(x, epilogue: .none) }

    /// `[N, outChannels, H', W']` (or `[outChannels, H', W']`), `H' = ⌊(H + 2p − d(k − 1) − 1)/s⌋ + 1`.
    public override func outputShape(for inputShape: [Int]) throws -> [Int] {
        guard (inputShape.count == 4 || inputShape.count == 3), inputShape[inputShape.count - 3] == inChannels else {
            throw shapeError("expects input [N, \(inChannels), H, W] (in_channels = \(inChannels)), got \(inputShape)")
        }
        let batched = inputShape.count == 4 ? inputShape : [1] + inputShape
        do {
            let out = try Tensor.conv2dOutputShape(
                input: batched, weight: weight.shape, bias: bias?.shape, stride: stride,
                padding: padding, dilation: dilation, groups: groups)
            return inputShape.count == 4 ? out : Array(out.dropFirst())
        } catch let e as DescentError {
            throw shapeError(e.reason)
        }
    }

    /// PyTorch's `extra_repr`: `3, 16, kernel_size=(3, 3), stride=(1, 1), …`.
    public override var extraDescription: String {
        var s = "\(inChannels), \(outChannels), kernel_size=\(kernelSize), stride=\(stride)"
        if padding != 0 { s += ", padding=\(padding)" }
        if dilation != 1 { s += ", dilation=\(dilation)" }
        if groups != 1 { s += ", groups=\(groups)" }
        if bias == nil { s += ", bias=False" }
        return s
    }
}

extension Conv2d: EpilogueFusable {
    /// Every epilogue: ReLU, and ReLU with 2×2 max pooling, run on each image while it is in cache.
    public func canFuse(_ epilogue: Epilogue) -> Bool { true }

    /// The convolution of `x`, followed by the fused `epilogue`.
    public func forward(_ x: Tensor, epilogue: Epilogue) -> Tensor {
        checkInput(x)
        return x.conv2d(
            weight: weight, bias: bias, stride: stride, padding: padding, dilation: dilation, groups: groups,
            relu: epilogue != .none, maxPool2x2: epilogue == .reluMaxPool2x2)
    }
}

/// The argmax positions of a fused pooling, freed with the autodiff node that holds them.
final class PoolIndices: @unchecked Sendable {
    let buffer: UnsafeMutableBufferPointer<Int32>
    init(_ buffer: UnsafeMutableBufferPointer<Int32>) { self.buffer = buffer }
    deinit { buffer.deallocate() }
}
