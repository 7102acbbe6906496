import Foundation
import Testing

@testable import Descent
@testable import DescentData
@testable import DescentTrain

/// Each registry is complete and is the one that configs and the commands read: every zoo model builds,
/// summarises and runs; every dataset gets a model that fits it from its name alone; every transform name works
/// in a config and in `descent augment`'s previews; the generated shapes have one definition of their splits.
/// (Every registered optimizer against PyTorch: `DescentTests/Optimizers/TorchTrajectoryTests`.)
@Suite(.serialized) struct RegistryTests {
    @Test(arguments: ModelConfig.Zoo.allCases)
    func everyZooModelSummarisesAndRunsForward(_ zoo: ModelConfig.Zoo) throws {
        RandomGenerator.manualSeed(0)
        let model = try zoo.makeModel(inputShape: zoo.defaultInput, classes: 7)
        let summary = try ModelSummary(model, inputShape: zoo.defaultInput)
        #expect(summary.totalParameters == model.parameterCount && model.parameterCount > 0)
        model.eval()
        // Token indices for the text models (below the 7 targets' vocabulary for seq2seq; the language model's
        // vocabulary is the 7 "classes"), pixels or features for the others.
        let input =
            zoo == .textRNN
            ? Tensor((0..<100).map { Float($0 % 97 + 1) }, shape: [2, 50])
            : zoo == .seq2seq
                ? Tensor((0..<40).map { Float($0 % 6 + 1) }, shape: [2, 2, 10])
                : zoo == .rnnLM
                    ? Tensor((0..<128).map { Float($0 % 7) }, shape: [2, 64])
                    : RandomGenerator(seed: 1).normal([2] + zoo.defaultInput)
        let output = model(input)
        #expect(output.shape == (zoo == .seq2seq ? [2, 10, 7] : zoo == .rnnLM ? [2, 64, 7] : [2, 7]))
        #expect(output.scalars.allSatisfy { $0.isFinite })
        let parsed = try TrainingConfig.parse(yaml: "model: {name: \(zoo.rawValue)}").model
        #expect(parsed.name == zoo.rawValue)
        // A zoo option named like the section's own keys would make the written config unreadable.
        #expect(!zoo.specs.map(\.key).contains { ["name", "layers"].contains($0) })
        #expect(
            try TrainingConfig.parse(yaml: TrainingConfig.parse(yaml: "model: {name: \(zoo.rawValue)}").yaml).model
                == parsed)
    }

    @Test(arguments: DatasetName.builtIn)
    func everyDatasetNamesAModelThatFitsIt(_ dataset: DatasetName) throws {
        let config = try TrainingConfig.parse(yaml: "", overrides: ["data.dataset=\(dataset.rawValue)"])
        #expect(config.model.name == dataset.defaultModel)
        let shape = dataset.sampleShape ?? [1, DataConfig.Audio().mels, DataConfig.Audio().frames]
        RandomGenerator.manualSeed(0)
        let model = try config.model.makeModel(inputShape: shape, classes: 10)
        // A sequence-to-sequence model scores every target position.
        #expect(try model.outputShape(for: [2] + shape) == (dataset == .spellNumbers ? [2, 10, 10] : [2, 10]))
        #expect(DatasetName(lookup: dataset.rawValue.uppercased().replacingOccurrences(of: "-", with: "_")) == dataset)
        for alias in dataset.aliases { #expect(DatasetName(lookup: alias) == dataset) }
    }

    /// sklearn-digits trains from its name alone (an MLP on the 64 features), when its file is at hand.
    @Test func sklearnDigitsTrainsWithTheDefaultModel() throws {
        guard (try? SklearnDigits()) != nil else {
            print(
                "RegistryTests: skipped sklearn-digits training: its file is not under DESCENT_DATA (e.g. ../shared/data)"
            )
            return
        }
        let config = try TrainingConfig.parse(
            yaml: "", overrides: ["data.dataset=sklearn-digits", "training.epochs=1"])
        let setup = try config.makeSetup()
        #expect(setup.inputShape == [64] && setup.classes == 10)
        let batch = try setup.train.batch(0, epoch: 0)
        #expect(setup.model(batch.inputs).shape == [batch.inputs.shape[0], 10])
    }

    @Test(arguments: AugmentConfig.Kind.allCases)
    func everyTransformWorksInConfigsAndInAugmentPreviews(_ kind: AugmentConfig.Kind) throws {
        let preview = AugmentConfig.preview(kind)
        let config = try TrainingConfig.parse(yaml: "data:\n  augment:\n    - \(preview.yaml)\n")
        #expect(config.data.augment == [preview])
        let shape = kind.isAudio ? [1, 40, 48] : [1, 28, 28]
        let transform = try preview.makeTransform(sampleShape: shape, location: "test")
        let sample = Sample(input: RandomGenerator(seed: 2).uniform(shape), target: .classIndex(3))
        let out = try transform(sample, generator: RandomGenerator(seed: 3))
        #expect(out.input.shape == shape && out.target == sample.target)
        #expect(out.input.scalars != sample.input.scalars, "\(kind.rawValue) changed nothing at preview strength")
    }

    /// `descent evaluate --dataset shapes` (or `generated-shapes`) reads the test images `descent train` holds out.
    @Test func shapesHaveOneTestSplit() throws {
        let a = try DatasetCatalog.load("shapes", split: .test),
            b = try DatasetCatalog.load("generated-shapes", split: .test)
        let setup = try TrainingConfig.parse(yaml: "data: {train_samples: 100}").makeSetup()
        let held = try #require(setup.test?.dataset)
        #expect(a.count == 2_000 && b.count == 2_000 && held.count == 2_000)
        for i in [0, 1, 777, 1_999] {
            #expect(a.sample(at: i).input.scalars == held.sample(at: i).input.scalars)
            #expect(b.sample(at: i).input.scalars == held.sample(at: i).input.scalars)
        }
        let seeded = try TrainingConfig.parse(yaml: "seed: 5\ndata: {train_samples: 100}").makeSetup()
        #expect(
            try DatasetCatalog.load("shapes", split: .test, seed: 5).sample(at: 3).input.scalars
                == seeded.test?.dataset.sample(at: 3).input.scalars)
    }

    /// docs/config.md documents every name of every registry a config reads.
    @Test func theConfigReferenceListsEveryName() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
        let docs = try String(contentsOf: root.appendingPathComponent("docs/config.md"), encoding: .utf8)
        let registries: [(String, [String])] = [
            ("dataset", DatasetName.allCases.map(\.rawValue)), ("model", ModelConfig.Zoo.allCases.map(\.rawValue)),
            ("layer", LayerConfig.Kind.allCases.map(\.rawValue)),
            ("activation", ActivationKind.allCases.map(\.rawValue)),
            ("transform", AugmentConfig.Kind.allCases.map(\.rawValue)),
            ("loss", LossConfig.Kind.allCases.map(\.rawValue)),
            ("optimizer", OptimizerRegistry.rules.map { $0.configName }),
            ("schedule", ScheduleConfig.Kind.allCases.map(\.rawValue)),
        ]
        for (what, names) in registries {
            for name in names {
                #expect(
                    docs.contains("`\(name)`") || docs.contains("/`\(name)`") || docs.contains("`\(name)/"),
                    "docs/config.md lacks \(what) \(name)")
            }
        }
        for name in ActivationKind.allCases.map(\.rawValue) {
            #expect(LayerConfig.Kind(rawValue: name) != nil, "activation \(name) is no layer name")
        }
    }
}
