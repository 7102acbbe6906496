extension Tensor {
    /// 2-D transposed convolution (PyTorch's `F.conv_transpose2d`, the adjoint of `conv2d` with respect to its
    /// input) of an input `[N, Cin, H, W]` (or `[Cin, H, W]`) with `weight` `[Cin, Cout/groups, kH, kW]`, plus
    /// `bias` `[Cout]`. Output size per dimension:
    ///
    ///     H_out = (H − 1)·s − 2p + d·(kH − 1) + outputPadding + 1
    ///
    /// Each input pixel scatters `x[n, c, i, j] · W[c, k, p, q]` to `y[n, k, i·s − p_h + p·d, j·s − p_w + q·d]`.
    /// Computed as GEMM + col2im per image and group (parallel over the batch); the backward pass is a
    /// convolution (`∂x = conv2d(∂y, W)`) and `∂W = Σ x · im2col(∂y)ᵀ`.
    public func convTranspose2d(
        weight: Tensor, bias: Tensor? = nil, stride: Size2D = 1, padding: Size2D = 0,
        outputPadding: Size2D = 0, dilation: Size2D = 1, groups: Int = 1
    ) -> Tensor {
        if rank == 3 {
            return unsqueezed(0).convTranspose2d(
                weight: weight, bias: bias, stride: stride, padding: padding,
                outputPadding: outputPadding, dilation: dilation, groups: groups
            ).squeezed(0)
        }
        let outShape: [Int]
        do {
            outShape = try Tensor.convTranspose2dOutputShape(
                input: shape, weight: weight.shape, bias: bias?.shape,
                stride: stride, padding: padding, outputPadding: outputPadding,
                dilation: dilation, groups: groups)
        } catch {
            preconditionFailure("convTranspose2d: \(error)")
        }
        // The convolution from the output back to the input: its "image" is our output.
        let plan = ConvPlan(
            batch: shape[0], inChannels: outShape[1], height: outShape[2], width: outShape[3],
            outChannels: shape[1], outHeight: shape[2], outWidth: shape[3], groups: groups,
            kernelH: weight.shape[2], kernelW: weight.shape[3],
            strideH: stride.height, strideW: stride.width, padH: padding.height, padW: padding.width,
            dilationH: dilation.height, dilationW: dilation.width)
        let out = Tensor(uninitializedShape: outShape)
        plan.inputGradient(
            outGrad: storage.pointer, weight: weight.storage.pointer, bias: bias?.storage.pointer,
            into: out.storage.pointer)
        let x = detach(), w = weight.detach()
        let inputs = bias.map { [self, weight, $0] } ?? [self, weight]
        let inShape = shape, wShape = weight.shape
        return Tensor.record("conv_transpose2d", out, inputs) { g, needs in
            var grads: [Tensor?] = Array(repeating: nil, count: inputs.count)
            if needs[0] {
                let gx = Tensor(uninitializedShape: inShape)
                plan.forward(input: g.storage.pointer, weight: w.storage.pointer, bias: nil, output: gx.storage.pointer)
                grads[0] = gx
            }
            if needs[1] {
                let gw = Tensor(uninitializedShape: wShape)
                plan.weightGradient(outGrad: x.storage.pointer, input: g.storage.pointer, into: gw.storage.pointer)
                grads[1] = gw
            }
            if inputs.count == 3 && needs[2] {
                grads[2] = ConvPlan.channelSums(
                    g, batch: plan.batch, channels: plan.inChannels, spatial: plan.imageSize)
            }
            return grads
        }
    }

    /// The output shape of ``convTranspose2d(weight:bias:stride:padding:outputPadding:dilation:groups:)`` for a
    /// 4-D input, or a `.shape` error that gives the expected and the actual shapes.
    static func convTranspose2dOutputShape(
        input: [Int], weight: [Int], bias: [Int]?, stride: Size2D, padding: Size2D,
        outputPadding: Size2D, dilation: Size2D, groups: Int
    ) throws -> [Int] {
        guard weight.count == 4 else {
            throw DescentError(
                .shape, "convTranspose2d", "weight must be [in_channels, out_channels/groups, kH, kW], got \(weight)")
        }
        guard groups >= 1, weight[0] % groups == 0 else {
            throw DescentError(
                .shape, "convTranspose2d", "in_channels \(weight[0]) is not divisible by groups = \(groups)")
        }
        guard stride.height >= 1, stride.width >= 1, dilation.height >= 1, dilation.width >= 1,
            padding.height >= 0, padding.width >= 0, outputPadding.height >= 0, outputPadding.width >= 0
        else {
            throw DescentError(
                .shape, "convTranspose2d",
                "stride \(stride) and dilation \(dilation) must be positive, padding \(padding) and output padding \(outputPadding) non-negative"
            )
        }
        guard outputPadding.height < Swift.max(stride.height, dilation.height),
            outputPadding.width < Swift.max(stride.width, dilation.width)
        else {
            throw DescentError(
                .shape, "convTranspose2d",
                "output padding \(outputPadding) must be smaller than the stride \(stride) or the dilation \(dilation)")
        }
        guard input.count == 4, input[1] == weight[0] else {
            throw DescentError(
                .shape, "convTranspose2d",
                "expects input [N, \(weight[0]), H, W] (in_channels = \(weight[0])), got \(input)")
        }
        let cout = weight[1] * groups
        if let bias, bias != [cout] {
            throw DescentError(.shape, "convTranspose2d", "bias must be [\(cout)], got \(bias)")
        }
        let oh =
            (input[2] - 1) * stride.height - 2 * padding.height + dilation.height * (weight[2] - 1)
            + outputPadding.height + 1
        let ow =
            (input[3] - 1) * stride.width - 2 * padding.width + dilation.width * (weight[3] - 1) + outputPadding.width
            + 1
        guard oh > 0, ow > 0 else {
            throw DescentError(
                .shape, "convTranspose2d",
                "padding \(padding) leaves no output for input \(input[2])×\(input[3]) of \(input)")
        }
        return [input[0], cout, oh, ow]
    }
}

/// A 2-D transposed convolution layer (PyTorch's `nn.ConvTranspose2d`), the gradient of a convolution with
/// respect to its input, used to upsample; see
/// ``Tensor/convTranspose2d(weight:bias:stride:padding:outputPadding:dilation:groups:)``.
///
/// `weight` is `[inChannels, outChannels / groups, kH, kW]` and `bias` `[outChannels]`, initialised as PyTorch
/// does: `U(−1/√fan_in, 1/√fan_in)` with `fan_in = outChannels / groups · kH · kW` (PyTorch's fan of this layout).
public final class ConvTranspose2d: Module {
    /// Channels of the input.
    public let inChannels: Int
    /// Channels of the output.
    public let outChannels: Int
    /// Kernel height and width.
    public let kernelSize: Size2D
    /// Upsampling step.
    public let stride: Size2D
    /// Removed from each side of the full output (`dilation·(k − 1) − padding` zeros of implicit padding).
    public let padding: Size2D
    /// Extra rows/columns added on one side of the output (resolves the output size when stride > 1).
    public let outputPadding: Size2D
    /// Spacing between kernel taps.
    public let dilation: Size2D
    /// Number of channel groups.
    public let groups: Int
    /// The kernel, `[inChannels, outChannels / groups, kH, kW]`.
    @Parameter public var weight: Tensor
    /// The bias, `[outChannels]`, or `nil` when created with `bias: false`.
    @Parameter public var bias: Tensor?

    /// A transposed convolution from `inChannels` to `outChannels`, with PyTorch's default initialisation.
    public init(
        _ inChannels: Int, _ outChannels: Int, kernelSize: Size2D, stride: Size2D = 1, padding: Size2D = 0,
        outputPadding: Size2D = 0, dilation: Size2D = 1, groups: Int = 1, bias: Bool = true,
        generator: RandomGenerator = .default
    ) {
        precondition(
            groups >= 1 && inChannels % groups == 0 && outChannels % groups == 0,
            "ConvTranspose2d: in_channels \(inChannels) and out_channels \(outChannels) must be divisible by groups \(groups)"
        )
        precondition(
            kernelSize.height >= 1 && kernelSize.width >= 1,
            "ConvTranspose2d: kernel size \(kernelSize) must be positive")
        self.inChannels = inChannels
        self.outChannels = outChannels
        self.kernelSize = kernelSize
        self.stride = stride
        self.padding = padding
        self.outputPadding = outputPadding
        self.dilation = dilation
        self.groups = groups
        let wShape = [inChannels, outChannels / groups, kernelSize.height, kernelSize.width]
        self.weight = Initializer.pytorchDefaultWeight.tensor(wShape, generator: generator)
        let fanIn = Initializer.fans(wShape).fanIn
        self.bias =
            bias ? Initializer.pytorchDefaultBias(fanIn: fanIn).tensor([outChannels], generator: generator) : nil
        super.init()
    }

    /// The transposed convolution of `x` (`[N, inChannels, H, W]` or `[inChannels, H, W]`).
    public override func callAsFunction(_ x: Tensor) -> Tensor {
        checkInput(x)
        return x.convTranspose2d(
            weight: weight, bias: bias, stride: stride, padding: padding,
            outputPadding: outputPadding, dilation: dilation, groups: groups)
    }

    /// `[N, outChannels, H', W']` with `H' = (H − 1)·s − 2p + d·(k − 1) + outputPadding + 1`.
    public override func outputShape(for inputShape: [Int]) throws -> [Int] {
        guard (inputShape.count == 4 || inputShape.count == 3), inputShape[inputShape.count - 3] == inChannels else {
            throw shapeError("expects input [N, \(inChannels), H, W] (in_channels = \(inChannels)), got \(inputShape)")
        }
        let batched = inputShape.count == 4 ? inputShape : [1] + inputShape
        do {
            let out = try Tensor.convTranspose2dOutputShape(
                input: batched, weight: weight.shape, bias: bias?.shape,
                stride: stride, padding: padding, outputPadding: outputPadding,
                dilation: dilation, groups: groups)
            return inputShape.count == 4 ? out : Array(out.dropFirst())
        } catch let e as DescentError {
            throw shapeError(e.reason)
        }
    }

    /// PyTorch's `extra_repr`.
    public override var extraDescription: String {
        var s = "\(inChannels), \(outChannels), kernel_size=\(kernelSize), stride=\(stride)"
        if padding != 0 { s += ", padding=\(padding)" }
        if outputPadding != 0 { s += ", output_padding=\(outputPadding)" }
        if dilation != 1 { s += ", dilation=\(dilation)" }
        if groups != 1 { s += ", groups=\(groups)" }
        if bias == nil { s += ", bias=False" }
        return s
    }
}
