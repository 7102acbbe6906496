import Testing

@testable import Descent

/// BatchNorm1d/2d against PyTorch (relative tolerance 1e-4): training output and gradients through the batch
/// statistics, running statistics after three training steps, eval output and gradients; plus finite differences.
@Suite struct BatchNormTests {
    @Test func matchesPyTorch() throws {
        try expectMatchesPyTorch("batchnorm1d", BatchNorm1d(3))
        try expectMatchesPyTorch("batchnorm1d_3d_cumulative", BatchNorm1d(3, momentum: nil))
        try expectMatchesPyTorch("batchnorm2d", BatchNorm2d(3, eps: 1e-3, momentum: 0.3))
        try expectMatchesPyTorch("batchnorm2d_noaffine", BatchNorm2d(2, affine: false))
    }

    @Test func gradientsMatchFiniteDifferences() {
        let g = RandomGenerator(seed: 9)
        let x = g.normal([3, 2, 2, 3]), w = g.normal([2], mean: 1, std: 0.3), b = g.normal([2])
        expectGradientsMatchFiniteDifferences([x, w, b], eps: 3e-3, "batchNorm training") { t in
            probeLoss(t[0].batchNorm(runningMean: nil, runningVar: nil, weight: t[1], bias: t[2], training: true))
        }
        let rm = g.normal([2]), rv = g.uniform([2], low: 0.5, high: 2)
        expectGradientsMatchFiniteDifferences([x, w, b], "batchNorm eval") { t in
            probeLoss(t[0].batchNorm(runningMean: rm, runningVar: rv, weight: t[1], bias: t[2], training: false))
        }
        expectGradientsMatchFiniteDifferences([g.normal([4, 3])], eps: 3e-3, "batchNorm 1-D without affine") { t in
            probeLoss(t[0].batchNorm(runningMean: nil, runningVar: nil, training: true))
        }
        let layer = BatchNorm1d(2)
        layer.weight!.assignInPlace(Tensor([1.5, 0.5]))
        expectModuleGradientsMatchFiniteDifferences(layer, input: g.normal([5, 2, 3]), eps: 3e-3, "BatchNorm1d module")
    }

    @Test func trainEvalSwitchingAndRunningStatistics() throws {
        let bn = BatchNorm2d(2, momentum: 0.5)
        let x = Tensor([1, 2, 3, 4, 10, 20, 30, 40], shape: [1, 2, 2, 2])
        let y = bn(x)
        // Batch statistics: channel 0 mean 2.5, biased variance 1.25; output standardised.
        expectClose(y.mean(alongAxes: [0, 2, 3]), Tensor([0, 0]), rtol: 1e-4, floor: 1e-2, "train mean")
        // Running mean = 0.5·0 + 0.5·2.5; running var = 0.5·1 + 0.5·(unbiased 5/3).
        expectClose(bn.runningMean!, Tensor([1.25, 12.5]), rtol: 1e-6, "running mean")
        expectClose(bn.runningVar!, Tensor([0.5 + 0.5 * 5 / 3, 0.5 + 0.5 * 500 / 3]), rtol: 1e-5, "running var")
        #expect(bn.numBatchesTracked!.item == 1)
        bn.eval()
        #expect(!bn.isTraining)
        let ye = bn(x)
        let expected =
            (x - bn.runningMean!.reshaped([1, 2, 1, 1])) / (bn.runningVar!.reshaped([1, 2, 1, 1]) + 1e-5).sqrt()
        expectClose(ye, expected, rtol: 1e-5, "eval uses running statistics")
        #expect(bn.numBatchesTracked!.item == 1, "eval does not count batches")
        bn.train()
        _ = bn(x)
        #expect(bn.numBatchesTracked!.item == 2)
        bn.resetRunningStats()
        #expect(
            bn.runningMean!.scalars == [0, 0] && bn.runningVar!.scalars == [1, 1] && bn.numBatchesTracked!.item == 0)
    }

    @Test func withoutRunningStatisticsUsesBatchStatisticsInEval() {
        let bn = BatchNorm1d(2, trackRunningStats: false).eval()
        #expect(bn.namedBuffers().isEmpty)
        #expect(bn.stateEntries().map(\.key) == ["weight", "bias"])
        let x = Tensor([1, 5, 3, 9], shape: [2, 2])
        expectClose(bn(x), Tensor([-1, -1, 1, 1], shape: [2, 2]), rtol: 1e-4, "batch statistics")
    }

    @Test func stateDictNamesAndIntegerCounter() {
        let entries = BatchNorm2d(4).stateEntries()
        #expect(entries.map(\.key) == ["weight", "bias", "running_mean", "running_var", "num_batches_tracked"])
        #expect(entries.map(\.dtype) == [.float32, .float32, .float32, .float32, .int64])
        #expect(entries.map(\.isParameter) == [true, true, false, false, false])
        #expect(entries[4].tensor.shape == [])
    }

    @Test func rejectsWrongInputShape() throws {
        #expect(
            throws: DescentError(
                .shape, "BatchNorm2d", "expects input [N, 16, H, W] (num_features = 16), got [8, 32, 7, 7]")
        ) {
            try BatchNorm2d(16).outputShape(for: [8, 32, 7, 7])
        }
        #expect(
            throws: DescentError(
                .shape, "BatchNorm1d", "expects input [N, 4] or [N, 4, L] (num_features = 4), got [8, 4, 2, 2]")
        ) {
            try BatchNorm1d(4).outputShape(for: [8, 4, 2, 2])
        }
        #expect(try BatchNorm1d(4).outputShape(for: [8, 4, 3]) == [8, 4, 3])
    }

    /// One value per channel in training mode (`[1, C]` for 1-D, `[1, C, 1, 1]` for 2-D): while
    /// `recordsTrainingInputErrors` is set, the layer records PyTorch's error, returns its input (after the
    /// epilogue) and leaves its running statistics alone; `takeTrainingInputError(in:)` names the layer and clears it.
    @Test func oneValuePerChannelInTrainingIsRecordedAsPyTorchsError() throws {
        let model = Sequential(Linear(3, 2), BatchNorm1d(2), ReLU())
        let x = Tensor([0.5, -1, 2], shape: [1, 3])
        let y = BatchNorm.$recordsTrainingInputErrors.withValue(true) { model(x) }
        #expect(y.shape == [1, 2] && y.scalars.allSatisfy { $0.isFinite })
        let e = try #require(BatchNorm.takeTrainingInputError(in: model))
        #expect(e.kind == .shape)
        #expect(
            e.description
                == "1 (BatchNorm1d): Expected more than 1 value per channel when training, got input size [1, 2]")
        #expect(BatchNorm.takeTrainingInputError(in: model) == nil)
        let bn = try #require(model.namedModules().compactMap { $0.1 as? BatchNorm }.first)
        #expect(bn.runningMean!.scalars == [0, 0] && bn.runningVar!.scalars == [1, 1])
        #expect(bn.numBatchesTracked!.scalars == [0])

        let bn2 = BatchNorm2d(4)
        _ = BatchNorm.$recordsTrainingInputErrors.withValue(true) { bn2(Tensor.ones([1, 4, 1, 1])) }
        #expect(
            BatchNorm.takeTrainingInputError(in: bn2)?.description
                == "BatchNorm2d: Expected more than 1 value per channel when training, got input size [1, 4, 1, 1]")
        // Two values per channel (a batch of 2, or 1×2 spatial) are fine; eval mode never needs them.
        _ = BatchNorm.$recordsTrainingInputErrors.withValue(true) { bn2(Tensor.ones([1, 4, 1, 2])) }
        #expect(BatchNorm.takeTrainingInputError(in: bn2) == nil)
        _ = bn2.eval()
        _ = BatchNorm.$recordsTrainingInputErrors.withValue(true) { bn2(Tensor.ones([1, 4, 1, 1])) }
        #expect(BatchNorm.takeTrainingInputError(in: bn2) == nil)
    }

    /// The probe before training: finds the layer with one value per channel for a batch of one, and leaves every
    /// model as it was (running statistics, batch counts, modes), including one whose batch norms are fine.
    @Test func trainingInputErrorProbeFindsTheLayerAndChangesNothing() throws {
        let vector = Sequential(Linear(3, 2), Dropout(0.5), BatchNorm1d(2), ReLU())
        _ = vector.layers[1].eval()
        let e = try #require(BatchNorm.trainingInputError(of: vector, sampleShape: [3]))
        #expect(
            e.description
                == "2 (BatchNorm1d): Expected more than 1 value per channel when training, got input size [1, 2]")
        #expect(vector.namedModules().map(\.1.isTraining) == [true, true, false, true, true])

        let image = Sequential(Conv2d(1, 2, kernelSize: 3), BatchNorm2d(2), ReLU())
        let before = image.stateDict()
        #expect(BatchNorm.trainingInputError(of: image, sampleShape: [1, 4, 4]) == nil)
        let after = image.stateDict()
        #expect(before.map(\.0) == after.map(\.0))
        for (b, a) in zip(before, after) { #expect(a.1.scalars == b.1.scalars, "\(b.0)") }
        #expect(image.namedModules().allSatisfy { $0.1.isTraining })
        // 1×1 spatial: PyTorch's error for BatchNorm2d.
        #expect(
            BatchNorm.trainingInputError(of: image, sampleShape: [1, 3, 3])?.description
                == "1 (BatchNorm2d): Expected more than 1 value per channel when training, got input size [1, 2, 1, 1]")
    }
}
