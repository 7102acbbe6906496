import Testing

@testable import Descent

/// A user-defined module: parameters, buffers and children are found without registration.
final class TwoTower: Module {
    @Parameter var scale: Tensor
    @Parameter var inProj: Tensor?
    @Buffer var stepCount: Tensor
    let left = Linear(3, 2)
    let right: Linear? = nil
    let heads: [Module] = [Linear(2, 1), BatchNorm1d(1)]

    override init() {
        scale = Tensor.ones([2])
        inProj = nil
        stepCount = Tensor.zeros([1])
        super.init()
    }

    override func callAsFunction(_ x: Tensor) -> Tensor { heads[0](left(x) * scale) }
}

/// A subclass adds its own state after the base class's, as PyTorch registers it in `__init__` order.
final class TwoTowerPlus: Module {
    let base = TwoTower()
    @Parameter var extra: Tensor = Tensor.zeros([1])
}

/// Module discovery, PyTorch names, modes, state dicts and `load(stateDict:)` errors.
@Suite struct ModuleTests {
    @Test func discoversStateByReflectionWithPyTorchNames() {
        let m = TwoTower()
        #expect(
            m.stateEntries().map(\.key) == [
                "scale", "step_count", "left.weight", "left.bias", "heads.0.weight", "heads.0.bias",
                "heads.1.weight", "heads.1.bias", "heads.1.running_mean", "heads.1.running_var",
                "heads.1.num_batches_tracked",
            ])
        #expect(
            m.namedParameters().map(\.0) == [
                "scale", "left.weight", "left.bias", "heads.0.weight", "heads.0.bias",
                "heads.1.weight", "heads.1.bias",
            ])
        #expect(
            m.namedBuffers().map(\.0) == [
                "step_count", "heads.1.running_mean", "heads.1.running_var",
                "heads.1.num_batches_tracked",
            ])
        #expect(m.namedChildren().map(\.0) == ["left", "heads.0", "heads.1"])
        #expect(m.namedModules().map(\.0) == ["", "left", "heads.0", "heads.1"])
        #expect(m.parameterCount == 2 + (6 + 2) + (2 + 1) + (1 + 1))
        #expect(m.scale.requiresGrad && m.scale.isLeaf, "a parameter is a leaf requiring a gradient")
        #expect(!m.stepCount.requiresGrad, "a buffer is not trained")
        #expect(TwoTowerPlus().stateEntries().map(\.key).last == "base.heads.1.num_batches_tracked")
        #expect(TwoTowerPlus().stateEntries().map(\.key).first == "extra")
    }

    @Test func snakeCaseKeys() {
        #expect(LocalState.key("_runningMean") == "running_mean")
        #expect(LocalState.key("numBatchesTracked") == "num_batches_tracked")
        #expect(LocalState.key("conv1") == "conv1")
        #expect(LocalState.key("weightHH") == "weight_hh")
        #expect(LocalState.key("HTTPServer") == "http_server")
        #expect(LocalState.key("layer2Norm") == "layer2_norm")
    }

    @Test func trainAndEvalPropagate() {
        let model = Sequential(Linear(2, 2), Sequential(Dropout(0.5), BatchNorm1d(2)))
        #expect(model.namedModules().allSatisfy { $0.1.isTraining })
        #expect(model.eval() === model)
        #expect(model.namedModules().allSatisfy { !$0.1.isTraining })
        model.train()
        #expect(model.namedModules().allSatisfy { $0.1.isTraining })
        model.train(false)
        #expect(model.namedModules().allSatisfy { !$0.1.isTraining })
    }

    @Test func loadCopiesInPlaceSoHoldersSeeTheValues() throws {
        let model = Sequential(Linear(2, 3), BatchNorm1d(3))
        let held = model.parameters()  // what an optimizer keeps
        let source = Sequential(Linear(2, 3, generator: RandomGenerator(seed: 5)), BatchNorm1d(3))
        source.eval()
        source[1].namedBuffers()[0].1.assignInPlace(Tensor([1, 2, 3]))
        try model.load(stateDict: source.stateDict())
        #expect(held[0].isBitwiseEqual(source.parameters()[0]))
        #expect(held[0].requiresGrad && held[0].isLeaf)
        #expect(model.namedBuffers()[0].1.scalars == [1, 2, 3])
        let dict = Dictionary(uniqueKeysWithValues: source.stateDict())
        try model.load(stateDict: dict)
        #expect(held[1].isBitwiseEqual(source.parameters()[1]))
    }

    @Test func loadErrorsNameTheKey() throws {
        let model = Sequential(Linear(2, 3), BatchNorm1d(3))
        var sd = model.stateDict()
        let before = model.stateDict()

        let missing = sd.filter { $0.0 != "1.running_mean" }
        #expect {
            try model.load(stateDict: missing)
        } throws: { e in
            (e as? DescentError)?.location == "1.running_mean" && (e as? DescentError)?.kind == .file
        }
        #expect {
            try model.load(stateDict: sd + [("2.weight", Tensor([1]))])
        } throws: { e in
            (e as? DescentError)?.location == "2.weight" && "\(e)".contains("unexpected")
        }
        sd[0] = ("0.weight", Tensor.zeros([2, 3]))
        #expect(throws: DescentError(.shape, "0.weight", "shape [2, 3] in the state dict, [3, 2] in the model")) {
            try model.load(stateDict: sd)
        }
        #expect {
            try model.load(stateDict: before + [("0.bias", Tensor.zeros([3]))])
        } throws: { e in
            (e as? DescentError)?.location == "0.bias" && "\(e)".contains("twice")
        }
        // Nothing was written by the failed loads.
        for ((k1, a), (k2, b)) in zip(model.stateDict(), before) { #expect(k1 == k2 && a.isBitwiseEqual(b)) }
    }

    @Test func nonStrictLoadReportsKeys() throws {
        let model = Sequential(Linear(2, 3), ReLU(), Linear(3, 1))
        let partial: [(String, Tensor)] = [("0.weight", Tensor.ones([3, 2])), ("9.weight", Tensor([1]))]
        let report = try model.load(stateDict: partial, strict: false)
        #expect(report.missingKeys == ["0.bias", "2.weight", "2.bias"])
        #expect(report.unexpectedKeys == ["9.weight"])
        #expect(model.parameters()[0].scalars == [1, 1, 1, 1, 1, 1])
        #expect(throws: DescentError.self) {
            try model.load(stateDict: [("0.weight", Tensor.ones([2, 2]))], strict: false)
        }
    }

    @Test func stateDictIsASnapshotAndEntriesShareStorage() {
        let layer = Linear(2, 2)
        let snapshot = layer.stateDict()
        let shared = layer.stateEntries()
        layer.weight.assignInPlace(Tensor.zeros([2, 2]))
        #expect(snapshot[0].1.scalars != [0, 0, 0, 0])
        #expect(shared[0].tensor.scalars == [0, 0, 0, 0])
        #expect(shared.allSatisfy { $0.dtype == .float32 && $0.isParameter })
    }

    @Test func sharedLayersAreCountedOnce() {
        let shared = Linear(2, 2)
        let model = Sequential(shared, ReLU(), shared)
        #expect(model.parameters().count == 2)
        #expect(model.stateEntries().map(\.key) == ["0.weight", "0.bias", "2.weight", "2.bias"])
        #expect(model.namedModules().map(\.0) == ["", "0", "1"])
    }

    @Test func zeroGradAndFreezing() {
        let layer = Linear(2, 1)
        (layer(Tensor([1, 2], shape: [1, 2]))).sum().backward()
        #expect(layer.weight.grad != nil)
        layer.zeroGrad()
        #expect(layer.weight.grad == nil && layer.bias?.grad == nil)
        layer.bias!.requiresGrad = false
        #expect(!layer.bias!.requiresGrad, "assignment keeps a frozen parameter frozen")
        #expect(layer.parameters().count == 2)
    }

    @Test func defaultOutputShapeRunsInEvalAndRestoresModes() throws {
        let m = TwoTower()
        #expect(try m.outputShape(for: [4, 3]) == [4, 1])
        #expect(m.namedModules().allSatisfy { $0.1.isTraining })
        #expect(m.heads[1].namedBuffers().last!.1.item == 0, "no BatchNorm statistics were updated")
    }

    @Test func descriptionIsPyTorchLike() {
        let model = Sequential(Linear(4, 2), ReLU(), Sequential(Conv2d(1, 2, kernelSize: 3, bias: false)))
        #expect(
            model.description == """
                Sequential(
                  (0): Linear(in_features=4, out_features=2, bias=True)
                  (1): ReLU()
                  (2): Sequential(
                    (0): Conv2d(1, 2, kernel_size=(3, 3), stride=(1, 1), bias=False)
                  )
                )
                """)
    }
}
