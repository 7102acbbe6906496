/// The basic residual block of ResNet-18/34 and CIFAR ResNets (He et al. 2016):
///
///     y = relu(bn2(conv2(relu(bn1(conv1(x))))) + shortcut(x))
///
/// with 3×3 convolutions without bias (`conv1` carries the stride) and a shortcut that is the identity, or a 1×1
/// strided convolution and BatchNorm when the stride or the channel count changes. Child names match the
/// PyTorch reference: `conv1`, `bn1`, `conv2`, `bn2`, `shortcut.0`, `shortcut.1`.
///
/// In training with gradients, on channel counts that are multiples of 16 and a CPU where oneDNN has JIT kernels
/// for them, the block runs as one operation in oneDNN's blocked layout nChw16c (its convolutions, batch norms and
/// residual sum; the same values up to the order of the sums), and consecutive blocks in a ``Sequential`` pass
/// their activations to each other in that layout. `DESCENT_CONVOLUTION=gemm` turns this off.
public final class BasicBlock: Module {
    /// First 3×3 convolution (`inChannels → outChannels`, with the block's stride).
    public let conv1: Conv2d
    /// BatchNorm after `conv1`.
    public let bn1: BatchNorm2d
    /// Second 3×3 convolution (`outChannels → outChannels`).
    public let conv2: Conv2d
    /// BatchNorm after `conv2`.
    public let bn2: BatchNorm2d
    /// The identity (empty) or `[Conv2d 1×1 strided, BatchNorm2d]`.
    public let shortcut: Sequential

    /// A block from `inChannels` to `outChannels` whose first convolution has `stride`.
    public init(_ inChannels: Int, _ outChannels: Int, stride: Int = 1, generator: RandomGenerator = .default) {
        conv1 = Conv2d(
            inChannels, outChannels, kernelSize: 3, stride: Size2D(stride), padding: 1, bias: false,
            generator: generator)
        bn1 = BatchNorm2d(outChannels)
        conv2 = Conv2d(
            outChannels, outChannels, kernelSize: 3, stride: 1, padding: 1, bias: false, generator: generator)
        bn2 = BatchNorm2d(outChannels)
        if stride != 1 || inChannels != outChannels {
            shortcut = Sequential(
                Conv2d(
                    inChannels, outChannels, kernelSize: 1, stride: Size2D(stride), bias: false, generator: generator),
                BatchNorm2d(outChannels))
        } else {
            shortcut = Sequential()
        }
        super.init()
    }

    /// `relu(bn2(conv2(relu(bn1(conv1(x))))) + shortcut(x))`.
    public override func callAsFunction(_ x: Tensor) -> Tensor {
        // In training on channels that are multiples of 16, the whole block runs in oneDNN's blocked layout.
        if let y = blockedForward(x) { return y }
        // Each convolution runs fused with its batch norm and what follows: bn1's ReLU; bn2's residual sum and ReLU
        // (same values as the layers in turn).
        let h = conv1.forward(x, batchNorm: bn1, epilogue: .relu)
        return conv2.forward(h, batchNorm: bn2, residual: shortcut(x))
    }

    /// The main path's output shape, after checking that the shortcut produces the same shape.
    public override func outputShape(for inputShape: [Int]) throws -> [Int] {
        var main = inputShape
        for (name, layer) in [("conv1", conv1), ("bn1", bn1), ("conv2", conv2), ("bn2", bn2)] as [(String, Module)] {
            main = try childOutputShape(name, layer, main)
        }
        let side = try childOutputShape("shortcut", shortcut, inputShape)
        guard side == main else {
            throw shapeError("the residual path gives \(main) but the shortcut gives \(side) for input \(inputShape)")
        }
        return main
    }
}
