/// A ResNet for small images (CIFAR-style): a 3×3 stem convolution with BatchNorm and ReLU, stages of
/// ``BasicBlock``s (stride 2 at the start of every stage but the first), global average pooling and a Linear
/// classifier. Child names follow the PyTorch reference of benchmark W7: `conv1`, `bn1`, `layers.N`, `fc`.
public final class ResNet: Module {
    /// The stem convolution.
    public let conv1: Conv2d
    /// The stem BatchNorm.
    public let bn1: BatchNorm2d
    /// All residual blocks, in order.
    public let layers: Sequential
    /// The classifier.
    public let fc: Linear

    /// A ResNet with `blocksPerStage[i]` basic blocks of `widths[i]` channels in stage `i`.
    public init(
        inChannels: Int = 3, classes: Int = 10, widths: [Int], blocksPerStage: [Int],
        generator: RandomGenerator = .default
    ) {
        precondition(
            widths.count == blocksPerStage.count && !widths.isEmpty,
            "ResNet: widths \(widths) and blocksPerStage \(blocksPerStage) must be non-empty and of equal length")
        conv1 = Conv2d(inChannels, widths[0], kernelSize: 3, padding: 1, bias: false, generator: generator)
        bn1 = BatchNorm2d(widths[0])
        var blocks: [Module] = []
        var cin = widths[0]
        for (stage, (w, n)) in zip(widths, blocksPerStage).enumerated() {
            for b in 0..<n {
                blocks.append(BasicBlock(cin, w, stride: stage > 0 && b == 0 ? 2 : 1, generator: generator))
                cin = w
            }
        }
        layers = Sequential(blocks)
        fc = Linear(cin, classes, generator: generator)
        super.init()
    }

    /// `fc(flatten(avgpool(layers(relu(bn1(conv1(x)))))))`.
    public override func callAsFunction(_ x: Tensor) -> Tensor {
        let features = layers(conv1.forward(x, batchNorm: bn1, epilogue: .relu))
        return fc(features.mean(alongAxes: [2, 3]))
    }

    /// A small CIFAR-style ResNet (ResNet-20-like: three stages of two blocks, 16/32/64 channels), the
    /// zoo's `resnet`.
    public static func small(classes: Int = 10, generator: RandomGenerator = .default) -> ResNet {
        ResNet(classes: classes, widths: [16, 32, 64], blocksPerStage: [2, 2, 2], generator: generator)
    }

    /// A ResNet-18-style network for 32×32 inputs (four stages of two blocks, 64/128/256/512 channels).
    public static func resNet18(inChannels: Int = 3, classes: Int = 10, generator: RandomGenerator = .default) -> ResNet
    {
        ResNet(
            inChannels: inChannels, classes: classes, widths: [64, 128, 256, 512], blocksPerStage: [2, 2, 2, 2],
            generator: generator)
    }
}
