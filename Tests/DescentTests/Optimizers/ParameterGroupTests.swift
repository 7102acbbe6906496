import Testing

@testable import Descent

/// Building parameter groups from names.
@Suite struct ParameterGroupTests {
    static func named() -> [(name: String, tensor: Tensor)] {
        [
            ("conv1.weight", Tensor.zeros([4, 3, 3, 3]).requiringGrad()),
            ("bn1.weight", Tensor.zeros([4]).requiringGrad()),
            ("bn1.bias", Tensor.zeros([4]).requiringGrad()),
            ("layer1.0.conv.weight", Tensor.zeros([4, 4, 3, 3]).requiringGrad()),
            ("layer1.0.norm.weight", Tensor.zeros([4]).requiringGrad()),
            ("features.3.weight", Tensor.zeros([4]).requiringGrad()),  // a BatchNorm inside a Sequential
            ("fc.weight", Tensor.zeros([10, 4]).requiringGrad()),
            ("fc.bias", Tensor.zeros([10]).requiringGrad()),
        ]
    }

    @Test func separatingWeightDecay() {
        let groups = ParameterGroup.separatingWeightDecay(Self.named())
        #expect(groups.count == 2)
        #expect(groups[0].names == ["conv1.weight", "layer1.0.conv.weight", "fc.weight"])
        #expect(groups[0].weightDecay == nil)
        #expect(groups[1].names == ["bn1.weight", "bn1.bias", "layer1.0.norm.weight", "features.3.weight", "fc.bias"])
        #expect(groups[1].weightDecay == 0)
        let optimizer = SGD(groups, lr: 0.1, momentum: 0.9, weightDecay: 5e-4)
        #expect(optimizer.groups.map { $0.options.weightDecay } == [5e-4, 0])
        #expect(optimizer.groups[1].names.count == 5)

        let byNameOnly = ParameterGroup.separatingWeightDecay(Self.named(), oneDimensional: false)
        #expect(byNameOnly[1].names == ["bn1.weight", "bn1.bias", "layer1.0.norm.weight", "fc.bias"])
    }

    @Test func byNameFirstMatchWins() {
        let groups = ParameterGroup.byName(
            Self.named(),
            [
                .init(["fc.*"], lr: 0.01),
                .init(["*.bias", "*.weight"], weightDecay: 0),
                .init(["nothing*"], lr: 1),
            ])
        #expect(groups.count == 2)  // the default group and the last selector are empty
        #expect(groups[0].names == ["fc.weight", "fc.bias"] && groups[0].lr == 0.01)
        #expect(groups[1].names.count == 6 && groups[1].weightDecay == 0)
    }

    @Test func globPatterns() {
        #expect(globMatch("*.bias", "layer1.0.bias"))
        #expect(!globMatch("*.bias", "layer1.0.bias_extra"))
        #expect(globMatch("layer?.*", "layer1.conv.weight"))
        #expect(!globMatch("layer?.*", "layer12.conv.weight"))
        #expect(globMatch("*", ""))
        #expect(globMatch("a*b*c", "aXXbYYc"))
        #expect(!globMatch("a*b*c", "aXXbYY"))
        #expect(globMatch("bn*", "bn1.weight") && globMatch("*.bn*", "block.bn2.bias"))
    }

    @Test func groupMomentumOverridesBeta1() {
        let a = Tensor([1]).requiringGrad(), b = Tensor([1]).requiringGrad()
        let adam = Adam([ParameterGroup([a]), ParameterGroup([b], momentum: 0.8)], betas: (0.9, 0.99))
        #expect(adam.groups.map { $0.options.beta1 } == [0.9, 0.8])
        #expect(adam.groups.map { $0.options.beta2 } == [0.99, 0.99])
    }
}
