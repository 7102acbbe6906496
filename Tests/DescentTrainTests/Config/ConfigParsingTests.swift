import Foundation
import Testing

@testable import Descent
@testable import DescentData
@testable import DescentTrain

/// Files the configuration tests read: fixtures with deliberate mistakes, and the repository's examples.
enum ConfigFiles {
    /// `Tests/DescentTrainTests/Fixtures/NAME`.
    static func fixture(_ name: String) -> URL {
        let dot = name.lastIndex(of: ".")!
        return Bundle.module.url(
            forResource: String(name[..<dot]), withExtension: String(name[name.index(after: dot)...]),
            subdirectory: "Fixtures")!
    }

    /// The repository's `examples/` folder.
    static let examples = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("examples")

    /// Every example training configuration (the GAN ones, `gan-*.yaml`, are ``ganConfigs``).
    static var exampleConfigs: [URL] {
        ((try? FileManager.default.contentsOfDirectory(at: examples, includingPropertiesForKeys: nil)) ?? [])
            .filter { $0.pathExtension == "yaml" && !$0.lastPathComponent.hasPrefix("gan-") }
            .sorted { $0.lastPathComponent < $1.lastPathComponent }
    }

    /// Every example GAN configuration (`descent gan train`).
    static var ganConfigs: [URL] {
        ((try? FileManager.default.contentsOfDirectory(at: examples, includingPropertiesForKeys: nil)) ?? [])
            .filter { $0.pathExtension == "yaml" && $0.lastPathComponent.hasPrefix("gan-") }
            .sorted { $0.lastPathComponent < $1.lastPathComponent }
    }
}

/// Reading configurations: defaults, every section's keys, JSON, and what `null` means.
@Suite struct ConfigParsingTests {
    @Test func emptyDocumentIsTheBuiltInMainJob() throws {
        let c = try TrainingConfig.parse(yaml: "")
        #expect(c == TrainingConfig.default)
        #expect(c.seed == 0 && c.threads == nil && c.output == "runs/latest" && c.report)
        #expect(c.data.dataset == .shapes && c.data.trainSamples == 12_000 && c.data.testSamples == 2_000)
        #expect(c.data.validationFraction == 0.1 && c.data.batchSize == .size(64) && c.data.evalBatchSize == .size(256))
        #expect(c.data.shuffle && c.data.workers == 1 && c.data.normalize == .none && c.data.augment.isEmpty)
        #expect(
            c.model.architecture == .zoo(.cnnBN, ConfigOptions(["batch_norm": .bool(true), "dropout": .bool(true)])))
        #expect(c.loss == LossConfig(.crossEntropy, options: ConfigOptions(["label_smoothing": .number(0)])))
        #expect(c.optimizer.name == "adam" && c.optimizer.lr == 1e-3)
        #expect(c.optimizer.options.doubles("betas") == [0.9, 0.999] && c.optimizer.options.double("eps") == 1e-8)
        #expect(c.schedule.kind == .cosine && c.schedule.every == .epoch && c.schedule.options["t_max"] == nil)
        #expect(c.training.epochs == 6 && c.training.evalEvery == .epoch && c.training.nonFinite == .stop)
        #expect(c.training.rollbackFactor == 0.5 && c.training.clipGradNorm == nil)
        #expect(
            c.earlyStopping
                == EarlyStoppingConfig(monitor: .validationLoss, patience: 3, minDelta: 0, restoreBestWeights: true))
        #expect(
            c.checkpoint
                == CheckpointPolicy(everyEpochs: 1, everySteps: nil, keep: 2, saveBest: true, monitor: .validationLoss))
    }

    @Test func readsEverySection() throws {
        let c = try TrainingConfig.parse(
            yaml: """
                seed: 42
                threads: 2
                output: runs/x
                report: false
                data:
                  dataset: cifar10
                  directory: /data
                  download: false
                  validation_fraction: 0.2
                  batch_size: full
                  eval_batch_size: 512
                  shuffle: false
                  workers: 0
                  normalize: {mean: [0.5, 0.5, 0.5], std: [0.25, 0.25, 0.25]}
                  augment:
                    - {name: random_crop, padding: 4, padding_mode: reflect}
                    - random_horizontal_flip
                model: {name: resnet, widths: [8, 16], blocks: [1, 1]}
                loss: {name: cross_entropy, label_smoothing: 0.1}
                optimizer:
                  name: sgd
                  lr: 0.1
                  momentum: 0.9
                  nesterov: true
                  weight_decay: 5e-4
                  groups:
                    - {params: "*.bias", weight_decay: 0}
                    - {params: [fc.weight], lr: 0.01, momentum: 0.5}
                schedule: {name: multistep, milestones: [10, 20], gamma: 0.2, warmup: 2}
                training: {epochs: 30, max_steps: 1000, eval_every: 100, non_finite: rollback, rollback_factor: 0.25, clip_grad_norm: 5}
                early_stopping: {monitor: val_accuracy, patience: 5, min_delta: 0.001, restore_best_weights: false}
                checkpoint: {every_steps: 500, keep: 3, save_best: false, monitor: val_accuracy}
                """)
        #expect(c.seed == 42 && c.threads == 2 && c.output == "runs/x" && !c.report)
        let d = c.data
        #expect(
            d.dataset == .cifar10 && d.directory == "/data" && !d.download && d.trainSamples == nil
                && d.testFraction == nil)
        #expect(
            d.validationFraction == 0.2 && d.batchSize == .full && d.evalBatchSize == .size(512) && !d.shuffle
                && d.workers == 0)
        #expect(d.normalize == .fixed(mean: [0.5, 0.5, 0.5], std: [0.25, 0.25, 0.25]))
        #expect(d.augment.map(\.kind) == [.randomCrop, .randomHorizontalFlip])
        #expect(
            d.augment[0].options
                == ConfigOptions(["padding": .int(4), "padding_mode": .string("reflect"), "fill": .number(0)]))
        #expect(d.augment[1].options == ConfigOptions(["p": .number(0.5)]))
        #expect(
            c.model.architecture
                == .zoo(
                    .resnet,
                    ConfigOptions(["widths": .list([.int(8), .int(16)]), "blocks": .list([.int(1), .int(1)])])))
        #expect(c.loss.options.double("label_smoothing") == 0.1)
        #expect(
            c.optimizer.name == "sgd" && c.optimizer.lr == 0.1 && c.optimizer.options.double("weight_decay") == 5e-4)
        #expect(c.optimizer.options.bool("nesterov") == true && c.optimizer.options.double("dampening") == 0)
        #expect(
            c.optimizer.groups == [
                OptimizerConfig.Group(params: ["*.bias"], weightDecay: 0),
                OptimizerConfig.Group(params: ["fc.weight"], lr: 0.01, momentum: 0.5),
            ])
        #expect(c.schedule.kind == .multistep && c.schedule.options.ints("milestones") == [10, 20])
        #expect(c.schedule.options.double("gamma") == 0.2 && c.schedule.options.int("warmup") == 2)
        #expect(c.schedule.options.double("warmup_start_factor") == 1.0 / 3)
        #expect(c.training.epochs == 30 && c.training.maxSteps == 1000 && c.training.evalEvery == .steps(100))
        #expect(c.training.nonFinite == .rollback && c.training.rollbackFactor == 0.25 && c.training.clipGradNorm == 5)
        #expect(
            c.earlyStopping
                == EarlyStoppingConfig(
                    monitor: .validationAccuracy, patience: 5, minDelta: 0.001, restoreBestWeights: false))
        #expect(
            c.checkpoint
                == CheckpointPolicy(
                    everyEpochs: nil, everySteps: 500, keep: 3, saveBest: false, monitor: .validationAccuracy))
    }

    @Test func readsJSON() throws {
        let c = try TrainingConfig.load(contentsOf: ConfigFiles.fixture("config-tiny.json"))
        #expect(c.seed == 7 && c.data.trainSamples == 120 && c.data.testSamples == 30 && c.data.batchSize == .size(16))
        #expect(
            c.model.architecture
                == .zoo(
                    .mlp,
                    ConfigOptions([
                        "hidden": .list([.int(32)]), "dropout": .number(0),
                        "activation": .string("relu"), "batch_norm": .bool(false),
                    ])))
        #expect(
            c.optimizer.name == "sgd" && c.optimizer.options.double("momentum") == 0.9
                && c.optimizer.options.bool("nesterov") == true)
        #expect(
            c.schedule.kind == .step && c.schedule.options.int("step_size") == 2
                && c.schedule.options.double("gamma") == 0.5)
        #expect(c.training.epochs == 4 && c.training.evalEvery == .steps(5))
        #expect(c.earlyStopping == nil)
    }

    @Test func nullOrFalseDisablesEarlyStoppingAndCheckpoints() throws {
        let off = try TrainingConfig.parse(yaml: "early_stopping: null\ncheckpoint: false")
        #expect(off.earlyStopping == nil && off.checkpoint == nil)
        let empty = try TrainingConfig.parse(yaml: "early_stopping:\ncheckpoint: {}")
        #expect(empty.earlyStopping == nil && empty.checkpoint == CheckpointPolicy())
        let partial = try TrainingConfig.parse(yaml: "early_stopping: {patience: 8}")
        #expect(partial.earlyStopping == EarlyStoppingConfig(patience: 8))
    }

    @Test func optimizerDefaultsAreTorchOptims() throws {
        func options(_ name: String) throws -> ConfigOptions {
            try TrainingConfig.parse(yaml: "optimizer: {name: \(name)}").optimizer.options
        }
        #expect(
            try options("sgd")
                == ConfigOptions([
                    "lr": .number(1e-3), "momentum": .number(0), "dampening": .number(0),
                    "weight_decay": .number(0), "nesterov": .bool(false), "maximize": .bool(false),
                ]))
        #expect(try options("adamw").double("weight_decay") == 1e-2)
        #expect(try options("rmsprop").double("lr") == 1e-2 && options("rmsprop").double("alpha") == 0.99)
        #expect(try options("adagrad").double("eps") == 1e-10 && options("adagrad").double("lr_decay") == 0)
        #expect(try options("nadam").double("lr") == 2e-3 && options("nadam").double("momentum_decay") == 4e-3)
        #expect(try options("adamax").double("lr") == 2e-3)
        #expect(try options("radam").bool("decoupled_weight_decay") == false)
    }

    @Test func defaultsFollowTheDataset() throws {
        let csv = try TrainingConfig.parse(yaml: "data: {dataset: csv, path: a.csv, target: [y1, y2]}")
        #expect(csv.data.csv == DataConfig.CSV(path: "a.csv", target: ["y1", "y2"], features: nil, task: .regression))
        #expect(csv.data.normalize == .dataset && csv.data.testFraction == 0.2 && csv.data.trainSamples == nil)
        #expect(csv.loss.kind == .mse && csv.data.task == .regression)
        let audio = try TrainingConfig.parse(yaml: "data: {dataset: free-spoken-digits, audio: {mels: 32}}")
        #expect(audio.data.audio == DataConfig.Audio(mels: 32, frames: 48) && audio.data.normalize == .dataset)
        let digits = try TrainingConfig.parse(yaml: "data: {dataset: sklearn-digits, test_fraction: 0.3}")
        #expect(digits.data.testFraction == 0.3 && digits.loss.kind == .crossEntropy)
        #expect(
            try TrainingConfig.parse(yaml: "data: {dataset: mnist}").data.normalize == DataConfig.Normalization.none)
    }

    @Test func scheduleDefaults() throws {
        let cycle = try TrainingConfig.parse(yaml: "schedule: {name: one_cycle}").schedule
        #expect(
            cycle.every == .step && cycle.options.double("pct_start") == 0.3
                && cycle.options.string("anneal_strategy") == "cos")
        let plateau = try TrainingConfig.parse(
            yaml: "schedule: {name: reduce_on_plateau, monitor: val_accuracy, patience: 2}"
        ).schedule
        let (detector, monitor) = try #require(plateau.makeReduceOnPlateau())
        #expect(
            monitor == .validationAccuracy && detector.mode == .max && detector.patience == 2 && detector.factor == 0.1)
        let cosine = try TrainingConfig.parse(yaml: "schedule: {name: cosine, every: step, eta_min: 1e-5}").schedule
        #expect(cosine.every == .step && cosine.options.double("eta_min") == 1e-5)
    }

    @Test func layersListKeepsOrderAndDefaults() throws {
        let c = try TrainingConfig.parse(
            yaml: """
                model:
                  layers:
                    - {name: conv2d, out_channels: 6, kernel_size: [3, 5]}
                    - relu
                    - {name: linear, out_features: classes, bias: false}
                """)
        guard case .layers(let layers) = c.model.architecture else { Issue.record("not a layers model"); return }
        #expect(layers.map(\.kind) == [.conv2d, .relu, .linear])
        #expect(
            layers[0].options
                == ConfigOptions([
                    "out_channels": .int(6), "kernel_size": .list([.int(3), .int(5)]), "stride": .int(1),
                    "padding": .int(0), "dilation": .int(1), "groups": .int(1), "bias": .bool(true),
                ]))
        #expect(layers[2].options == ConfigOptions(["out_features": .string("classes"), "bias": .bool(false)]))
    }
}
