import Foundation
import Testing

@testable import Descent
@testable import DescentData
@testable import DescentTrain

/// The defaults of the config sections are the library types' own: an option left out of a config builds the
/// schedule, loss, transform or layer that the type's initializer builds with its default arguments, both read
/// from the type's `default…` constants, so that the two cannot drift apart.
@Suite struct ConfigDefaultsTests {
    /// The schedule of `schedule: {name: …}` (with `extra` options) over a run of 30 epochs.
    private func schedule(_ name: String, _ extra: String = "") throws -> (any LearningRateSchedule)? {
        try TrainingConfig.parse(yaml: "schedule: {name: \(name)\(extra)}").schedule.makeSchedule(lr: 0.1, length: 30)
    }

    @Test func scheduleDefaultsAreTheSchedulesOwn() throws {
        let step = try #require(try schedule("step") as? StepLR)
        #expect(step.gamma == StepLR.defaultGamma && StepLR(baseLR: 1, stepSize: 1).gamma == StepLR.defaultGamma)
        let multistep = try #require(try schedule("multistep", ", milestones: [5]") as? MultiStepLR)
        #expect(multistep.gamma == MultiStepLR.defaultGamma)
        let inverse = try #require(try schedule("inverse_time") as? InverseTimeLR)
        #expect(inverse == InverseTimeLR.harmonic(baseLR: 0.1))
        let polynomial = try #require(try schedule("polynomial") as? PolynomialLR)
        #expect(polynomial.power == PolynomialLR.defaultPower)
        let cosine = try #require(try schedule("cosine") as? CosineAnnealingLR)
        #expect(cosine.etaMin == CosineAnnealingLR.defaultEtaMin)
        let restarts = try #require(try schedule("cosine_warm_restarts", ", t_0: 5") as? CosineAnnealingWarmRestarts)
        #expect(restarts == CosineAnnealingWarmRestarts(baseLR: 0.1, t0: 5))
        let linear = try #require(try schedule("linear") as? LinearLR)
        #expect(linear == LinearLR(baseLR: 0.1))
        let constant = try #require(try schedule("constant") as? ConstantLR)
        #expect(constant == ConstantLR(baseLR: 0.1))
        let oneCycle = try #require(try schedule("one_cycle") as? OneCycleLR)
        #expect(oneCycle == OneCycleLR(maxLR: 0.1, totalSteps: 30))
        let warmed = try #require(try schedule("cosine", ", warmup: 3") as? SequentialLR)
        let warmup = try #require(warmed.schedules.first as? LinearLR)
        #expect(warmup.startFactor == LinearLR.defaultStartFactor)
    }

    @Test func reduceOnPlateauDefaultsAreTorchs() throws {
        let config = try TrainingConfig.parse(yaml: "schedule: {name: reduce_on_plateau}").schedule
        let (plateau, monitor) = try #require(config.makeReduceOnPlateau())
        #expect(monitor == .validationLoss)
        #expect(plateau == ReduceLROnPlateau())
    }

    @Test func lossDefaultsAreTheLossesOwn() throws {
        let config = try TrainingConfig.parse(yaml: "loss: {name: cross_entropy}").loss
        guard case .crossEntropy(let smoothing) = config.makeObjective() else {
            Issue.record("cross_entropy built another objective")
            return
        }
        #expect(smoothing == CrossEntropyLoss.defaultLabelSmoothing && smoothing == CrossEntropyLoss().labelSmoothing)
        #expect(LossConfig(.smoothL1).options.float("beta") == SmoothL1Loss.defaultBeta)
        #expect(SmoothL1Loss().beta == SmoothL1Loss.defaultBeta)
        #expect(LossConfig(.huber).options.float("delta") == HuberLoss.defaultDelta)
        #expect(HuberLoss().delta == HuberLoss.defaultDelta)
    }

    /// The transform of `data.augment: [{name: …}]` (with `extra` options) for 28×28 images or 40×48
    /// spectrograms.
    private func transform<T>(_ kind: AugmentConfig.Kind, _ extra: String = "", as type: T.Type) throws -> T {
        let yaml = "data:\n  augment:\n    - {name: \(kind.rawValue)\(extra)}\n"
        let config = try #require(try TrainingConfig.parse(yaml: yaml).data.augment.first)
        let made = try config.makeTransform(sampleShape: kind.isAudio ? [1, 40, 48] : [1, 28, 28], location: "test")
        return try #require(made as? T)
    }

    @Test func transformDefaultsAreTheTransformsOwn() throws {
        #expect(try transform(.randomHorizontalFlip, as: RandomHorizontalFlip.self).p == RandomHorizontalFlip().p)
        #expect(try transform(.randomVerticalFlip, as: RandomVerticalFlip.self).p == RandomVerticalFlip().p)
        #expect(try transform(.randomAffine, ", degrees: 10", as: RandomAffine.self).fill == RandomAffine.defaultFill)
        let rotation = try transform(.randomRotation, ", degrees: 10", as: RandomRotation.self)
        #expect(rotation.fill == RandomRotation.defaultFill)
        let crop = try transform(.randomCrop, as: RandomCrop.self)
        #expect(crop.padding == RandomCrop.defaultPadding && crop.paddingMode == RandomCrop(size: 28).paddingMode)
        let resized = try transform(.randomResizedCrop, as: RandomResizedCrop.self)
        #expect(resized.scale == RandomResizedCrop.defaultScale && resized.ratio == RandomResizedCrop.defaultRatio)
        let perspective = try transform(.randomPerspective, as: RandomPerspective.self)
        let torchPerspective = RandomPerspective()
        #expect(perspective.distortionScale == torchPerspective.distortionScale && perspective.p == torchPerspective.p)
        #expect(perspective.fill == torchPerspective.fill)
        let erasing = try transform(.randomErasing, as: RandomErasing.self), torchErasing = RandomErasing()
        #expect(erasing.p == torchErasing.p && erasing.scale == torchErasing.scale)
        #expect(erasing.ratio == torchErasing.ratio)
        #expect(erasing.value == torchErasing.value)
        let jitter = try transform(.colorJitter, as: ColorJitter.self), torchJitter = ColorJitter()
        #expect(jitter.brightness == torchJitter.brightness && jitter.contrast == torchJitter.contrast)
        let noise = try transform(.gaussianNoise, as: GaussianNoise.self)
        #expect(noise.mean == GaussianNoise.defaultMean && noise.std == GaussianNoise.defaultStd)
        #expect(!noise.clip, "configs add noise to normalised samples: no clipping to [0, 1], unlike torchvision")
        let time = try transform(.timeMasking, as: TimeMasking.self), torchTime = TimeMasking(timeMaskParam: 8)
        #expect(time.iidMasks == torchTime.iidMasks && time.p == torchTime.p && time.maskValue == torchTime.maskValue)
        let frequency = try transform(.frequencyMasking, as: FrequencyMasking.self)
        let torchFrequency = FrequencyMasking(freqMaskParam: 6)
        #expect(frequency.iidMasks == torchFrequency.iidMasks && frequency.p == torchFrequency.p)
        #expect(frequency.maskValue == torchFrequency.maskValue)
    }

    /// The layer of `model.layers: [{name: …}]` (with `extra` options) for inputs of shape `input`.
    private func layer<T>(
        _ kind: LayerConfig.Kind, _ extra: String = "", input: [Int] = [2, 3, 8, 8],
        as type: T.Type
    ) throws -> T {
        let model = try TrainingConfig.parse(yaml: "model:\n  layers: [{name: \(kind.rawValue)\(extra)}]\n").model
        guard case .layers(let layers) = model.architecture, let config = layers.first else {
            throw DescentError(.config, "test", "expected one layer")
        }
        return try #require(try config.makeLayer(input: input, classes: 10) as? T)
    }

    @Test func layerDefaultsAreTheLayersOwn() throws {
        #expect(try layer(.dropout, as: Dropout.self).p == Dropout().p)
        let norm = try layer(.layerNorm, as: LayerNorm.self), torchNorm = LayerNorm([8])
        #expect(norm.eps == torchNorm.eps && norm.elementwiseAffine == torchNorm.elementwiseAffine)
        #expect(try layer(.leakyRelu, as: LeakyReLU.self).negativeSlope == LeakyReLU().negativeSlope)
        #expect(try layer(.elu, as: ELU.self).alpha == ELU().alpha)
        #expect(try layer(.gelu, as: GELU.self).approximate == GELU().approximate)
        #expect(try layer(.softmax, as: Softmax.self).dim == Softmax().dim)
        #expect(try layer(.logSoftmax, as: LogSoftmax.self).dim == LogSoftmax().dim)
        let flatten = try layer(.flatten, as: Flatten.self), torchFlatten = Flatten()
        #expect(flatten.startDim == torchFlatten.startDim && flatten.endDim == torchFlatten.endDim)
        let pool = try layer(.avgPool2d, ", kernel_size: 2", as: AvgPool2d.self), torchPool = AvgPool2d(kernelSize: 2)
        #expect(pool.padding == torchPool.padding && pool.ceilMode == torchPool.ceilMode)
        #expect(pool.countIncludePad == torchPool.countIncludePad)
        let linear = try layer(.linear, ", out_features: 4", input: [2, 8], as: Linear.self)
        #expect(linear.bias != nil && Linear.defaultBias && Linear(8, 4).bias != nil)
        let conv = try layer(.conv2d, ", out_channels: 4, kernel_size: 3", as: Conv2d.self)
        let torchConv = Conv2d(3, 4, kernelSize: 3)
        #expect(conv.stride == Conv2d.defaultStride && torchConv.stride == Conv2d.defaultStride)
        #expect(conv.padding == Conv2d.defaultPadding && torchConv.padding == Conv2d.defaultPadding)
        #expect(conv.dilation == Conv2d.defaultDilation && torchConv.dilation == Conv2d.defaultDilation)
        #expect(conv.groups == Conv2d.defaultGroups && torchConv.groups == Conv2d.defaultGroups)
        #expect((conv.bias != nil) == Conv2d.defaultBias && (torchConv.bias != nil) == Conv2d.defaultBias)
        let maxPool = try layer(.maxPool2d, ", kernel_size: 2", as: MaxPool2d.self)
        let torchMaxPool = MaxPool2d(kernelSize: 2)
        #expect(maxPool.padding == MaxPool2d.defaultPadding && torchMaxPool.padding == MaxPool2d.defaultPadding)
        #expect(maxPool.dilation == MaxPool2d.defaultDilation && torchMaxPool.dilation == MaxPool2d.defaultDilation)
        #expect(maxPool.ceilMode == MaxPool2d.defaultCeilMode && torchMaxPool.ceilMode == MaxPool2d.defaultCeilMode)
        let norms: [BatchNorm] = [
            try layer(.batchNorm1d, input: [2, 3], as: BatchNorm1d.self),
            try layer(.batchNorm2d, as: BatchNorm2d.self), BatchNorm1d(3), BatchNorm2d(3),
        ]
        for norm in norms {
            #expect(norm.eps == BatchNorm.defaultEps && norm.momentum == BatchNorm.defaultMomentum)
            #expect(norm.affine == BatchNorm.defaultAffine)
        }
    }
}
