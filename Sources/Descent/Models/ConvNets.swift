extension Models {
    /// The zoo's `cnn` (and, with `batchNorm` and `dropout`, `cnn-bn`) for `[N, 1, 28, 28]` inputs:
    /// Conv 1→32 3×3 pad 1 [BN], ReLU, MaxPool 2; Conv 32→64 3×3 pad 1 [BN], ReLU, MaxPool 2; Flatten;
    /// Linear 3136→128, ReLU, [Dropout 0.5]; Linear 128→`classes`. Other input sizes `height × width` (both
    /// divisible by 4; `width` defaults to `height`) change the first Linear to `64·(height/4)·(width/4)` inputs.
    public static func cnn(
        batchNorm: Bool = false, dropout: Bool = false, inChannels: Int = 1, height: Int = 28,
        width: Int? = nil, classes: Int = 10, generator: RandomGenerator = .default
    ) -> Sequential {
        var layers: [Module] = []
        for (cin, cout) in [(inChannels, 32), (32, 64)] {
            layers.append(Conv2d(cin, cout, kernelSize: 3, padding: 1, generator: generator))
            if batchNorm { layers.append(BatchNorm2d(cout)) }
            layers.append(ReLU())
            layers.append(MaxPool2d(kernelSize: 2))
        }
        let flat = 64 * (height / 4) * ((width ?? height) / 4)
        layers += [Flatten(), Linear(flat, 128, generator: generator), ReLU()]
        if dropout { layers.append(Dropout(0.5, generator: generator)) }
        layers.append(Linear(128, classes, generator: generator))
        return Sequential(layers)
    }

    /// LeNet-5 (LeCun et al. 1998) in its common modern form for `[N, channels, 28, 28]` inputs: Conv 6 5×5 pad 2,
    /// activation, AvgPool 2; Conv 16 5×5, activation, AvgPool 2; Flatten; Linear 400→120, 120→84, 84→`classes`.
    public static func leNet5(
        inChannels: Int = 1, classes: Int = 10, activation: ActivationKind = .tanh,
        generator: RandomGenerator = .default
    ) -> Sequential {
        Sequential([
            Conv2d(inChannels, 6, kernelSize: 5, padding: 2, generator: generator), activation.makeLayer(),
            AvgPool2d(kernelSize: 2),
            Conv2d(6, 16, kernelSize: 5, generator: generator), activation.makeLayer(), AvgPool2d(kernelSize: 2),
            Flatten(),
            Linear(400, 120, generator: generator), activation.makeLayer(),
            Linear(120, 84, generator: generator), activation.makeLayer(),
            Linear(84, classes, generator: generator),
        ])
    }

    /// A small VGG-style network: blocks of two 3×3 convolutions (BatchNorm, ReLU) and a 2×2 max pool, with
    /// `channels` per block (default 32, 64, 128), then global average pooling, Dropout and a Linear classifier.
    /// Works for any input side divisible by 2^blocks.
    public static func smallVGG(
        inChannels: Int = 3, classes: Int = 10, channels: [Int] = [32, 64, 128],
        dropout: Float = 0.3, generator: RandomGenerator = .default
    ) -> Sequential {
        var layers: [Module] = []
        var cin = inChannels
        for c in channels {
            for _ in 0..<2 {
                layers += [
                    Conv2d(cin, c, kernelSize: 3, padding: 1, bias: false, generator: generator), BatchNorm2d(c),
                    ReLU(),
                ]
                cin = c
            }
            layers.append(MaxPool2d(kernelSize: 2))
        }
        layers += [AdaptiveAvgPool2d(outputSize: 1), Flatten()]
        if dropout > 0 { layers.append(Dropout(dropout, generator: generator)) }
        layers.append(Linear(cin, classes, generator: generator))
        return Sequential(layers)
    }
}
