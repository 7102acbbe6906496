import Testing

@testable import Descent

/// Sequential, Flatten and BasicBlock: PyTorch's state-dict names, end-to-end values against PyTorch (relative
/// tolerance 1e-4) and finite differences, and shape validation with the failing layer's name.
@Suite struct SequentialTests {
    /// The model of `seq_cnn()` in the generator (Dropout with p = 0 there, so the training pass is deterministic).
    static func smallCNN(dropout: Float = 0) -> Sequential {
        Sequential(
            Conv2d(2, 4, kernelSize: 3, padding: 1), BatchNorm2d(4), ReLU(), MaxPool2d(kernelSize: 2),
            Flatten(), Linear(36, 5), ReLU(), Dropout(dropout), Linear(5, 3))
    }

    @Test func stateDictKeysMatchPyTorch() throws {
        let keys = try LayerFixtures.shared.get().stateKeys
        #expect(Self.smallCNN().stateEntries().map(\.key) == keys["sequential_cnn"])
        #expect(BasicBlock(16, 32, stride: 2).stateEntries().map(\.key) == keys["basic_block_downsample"])
        #expect(BasicBlock(16, 16).stateEntries().map(\.key) == keys["basic_block_identity"])
        let nested = Sequential(Sequential(Linear(2, 2), BatchNorm1d(2)), ReLU(), BasicBlock(2, 2))
        #expect(nested.stateEntries().map(\.key) == keys["nested"])
    }

    @Test func matchesPyTorch() throws {
        try expectMatchesPyTorch("flatten", Flatten())
        try expectMatchesPyTorch("sequential_cnn", Self.smallCNN())
        try expectMatchesPyTorch("basic_block_downsample", BasicBlock(3, 4, stride: 2))
        try expectMatchesPyTorch("basic_block_identity", BasicBlock(3, 3))
        // Multiples of 16 channels: the chains in oneDNN's blocked layout (``BasicBlock``, ``ConvChainUnit``).
        try expectMatchesPyTorch("basic_blocks_blocked", Sequential(BasicBlock(16, 32, stride: 2), BasicBlock(32, 32)))
        try expectMatchesPyTorch(
            "conv_stack_blocked",
            Sequential(
                Conv2d(1, 16, kernelSize: 3, padding: 1), BatchNorm2d(16), ReLU(), MaxPool2d(kernelSize: 2),
                Conv2d(16, 32, kernelSize: 3, padding: 1), BatchNorm2d(32), ReLU(), MaxPool2d(kernelSize: 2),
                Conv2d(32, 16, kernelSize: 1), ReLU(), Flatten(), Linear(64, 3)))
    }

    @Test func gradientsMatchFiniteDifferences() {
        let g = RandomGenerator(seed: 20)
        let mlp = Sequential(Linear(3, 4, generator: g), Tanh(), Linear(4, 2, generator: g))
        expectModuleGradientsMatchFiniteDifferences(mlp, input: g.normal([5, 3]), "MLP")
        let block = BasicBlock(2, 3, stride: 2, generator: g)
        expectModuleGradientsMatchFiniteDifferences(
            block, input: g.normal([2, 2, 4, 4]), eps: 3e-3, maxPerTensor: 8, "BasicBlock")
        let flat = Sequential(Flatten(startDim: 1, endDim: 2), Linear(6, 2, generator: g))
        expectModuleGradientsMatchFiniteDifferences(flat, input: g.normal([2, 3, 2]), "Flatten")
    }

    @Test func outputShapeNamesTheFailingLayer() throws {
        let mlp = Sequential(Linear(784, 128), ReLU(), Linear(64, 10))
        #expect(throws: DescentError(.shape, "2 (Linear)", "expects input [*, 64] (in_features = 64), got [32, 128]")) {
            try mlp.outputShape(for: [32, 784])
        }
        let cnn = Sequential(
            Conv2d(1, 32, kernelSize: 3, padding: 1), ReLU(), MaxPool2d(kernelSize: 2),
            Conv2d(32, 64, kernelSize: 3, padding: 1), ReLU(), MaxPool2d(kernelSize: 2),
            Flatten(), Linear(3136, 128), ReLU(), Linear(128, 10))
        #expect(try cnn.outputShape(for: [64, 1, 28, 28]) == [64, 10])
        #expect(
            throws: DescentError(.shape, "7 (Linear)", "expects input [*, 3136] (in_features = 3136), got [64, 4096]")
        ) {
            try cnn.outputShape(for: [64, 1, 32, 32])
        }
        let nested = Sequential(Sequential(Conv2d(3, 8, kernelSize: 3), BatchNorm2d(4)), Flatten())
        #expect(
            throws: DescentError(
                .shape, "0.1 (BatchNorm2d)", "expects input [N, 4, H, W] (num_features = 4), got [1, 8, 6, 6]")
        ) {
            try nested.outputShape(for: [1, 3, 8, 8])
        }
        let resnetish = Sequential(
            BasicBlock(3, 8, stride: 2), BasicBlock(8, 8), AdaptiveAvgPool2d(outputSize: 1), Flatten(), Linear(8, 10))
        #expect(try resnetish.outputShape(for: [2, 3, 16, 16]) == [2, 10])
        #expect(
            throws: DescentError(
                .shape, "0.conv1 (Conv2d)", "expects input [N, 3, H, W] (in_channels = 3), got [2, 1, 16, 16]")
        ) {
            try resnetish.outputShape(for: [2, 1, 16, 16])
        }
    }

    @Test func containerBasics() throws {
        let empty = Sequential()
        let x = Tensor([1, 2])
        #expect(empty(x).isBitwiseEqual(x))
        #expect(try empty.outputShape(for: [3, 4]) == [3, 4])
        let built = Sequential {
            Linear(4, 8)
            for _ in 0..<2 { ReLU() }
            if true { Linear(8, 2) }
        }
        #expect(built.count == 4)
        #expect(built[3] is Linear)
        built.append(Softmax(dim: -1))
        #expect(try built.outputShape(for: [5, 4]) == [5, 2])
        #expect(built.namedChildren().map(\.0) == ["0", "1", "2", "3", "4"])
        #expect(try Flatten().outputShape(for: [2, 3, 4, 5]) == [2, 60])
        #expect(try Flatten(startDim: 0, endDim: 1).outputShape(for: [2, 3, 4]) == [6, 4])
    }

    @Test func basicBlockShapes() throws {
        let down = BasicBlock(16, 32, stride: 2)
        #expect(try down.outputShape(for: [4, 16, 8, 8]) == [4, 32, 4, 4])
        #expect(down.shortcut.count == 2)
        #expect(BasicBlock(16, 16).shortcut.count == 0)
        let y = withNoGrad { down(RandomGenerator(seed: 1).normal([2, 16, 8, 8])) }
        #expect(y.shape == [2, 32, 4, 4])
        #expect(y.scalars.allSatisfy { $0 >= 0 })
    }
}
