import Foundation
import Testing

@testable import Descent
@testable import DescentData
@testable import DescentTrain

/// Building a configuration: data loaders with the right sizes, models with inferred sizes, optimizer options
/// that reach the optimizer, schedules, and errors located at the key at fault. Serialized: setups seed the
/// global random generator.
@Suite(.serialized) struct ConfigSetupTests {
    /// A small shapes job with `yaml` added.
    func setup(_ yaml: String = "", overrides: [String] = []) throws -> TrainingSetup {
        try TrainingConfig.parse(
            yaml: "data: {train_samples: 200, test_samples: 50, batch_size: 32}\n" + yaml, source: "c.yaml",
            overrides: overrides
        ).makeSetup()
    }

    @Test func shapesSetupHasLoadersOfTheRightSizes() throws {
        let s = try setup()
        #expect(s.train.dataset.count == 180 && s.validation?.dataset.count == 20 && s.test?.dataset.count == 50)
        #expect(s.train.batchesPerEpoch == 6 && s.train.shuffle && s.train.seed == 0 && s.train.workers == 1)
        #expect(s.validation?.batchSize == .size(256) && s.train.transform == nil)
        #expect(s.inputShape == [1, 28, 28] && s.classes == 10 && s.classNames == GeneratedShapes.classNames)
        #expect(s.model.parameterCount == Models.cnn(batchNorm: true, dropout: true).parameterCount)
        #expect(s.optimizer.name == "Adam" && s.optimizer.lr == 1e-3)
        #expect(s.schedule is CosineAnnealingLR && !s.scheduleEveryStep && s.reduceOnPlateau == nil)
        #expect(s.earlyStopping?.patience == 3 && s.earlyStopping?.monitor == .validationLoss)
        #expect(s.preprocessing == "pixels scaled to [0, 1]")
        #expect(
            s.description
                == "shapes: 180 train, 20 validation, 50 test samples of [1, 28, 28]; model cnn-bn (421,834 parameters); "
                + "Adam lr 0.001, cosine schedule per epoch; batch 32")
        let batch = try s.train.batch(0, epoch: 0)
        #expect(batch.inputs.shape == [32, 1, 28, 28] && batch.labels?.count == 32)
        let trainer = s.makeTrainer()
        #expect(
            trainer.callbacks.map { "\(type(of: $0))" } == [
                "NonFiniteLossGuard", "LearningRateScheduler", "EarlyStopping", "InterruptCheck",
            ])
    }

    @Test func callbacksComeInTheOrderTheyAct() throws {
        let s = try setup(
            """
            schedule: {name: reduce_on_plateau, monitor: train_loss}
            training: {clip_grad_norm: 1, clip_grad_value: 0.5, eval_every: 3, non_finite: rollback, rollback_factor: 0.25, max_rollbacks: 5}
            """)
        let checkpoint = ModelCheckpoint(store: CheckpointStore(directory: temporaryFolder("order")))
        let callbacks = s.makeCallbacks(
            progress: ProgressPrinter(live: false, write: { _ in }), logs: temporaryFolder("order-logs"),
            checkpoint: checkpoint)
        #expect(
            callbacks.map { "\(type(of: $0))" } == [
                "NonFiniteLossGuard", "GradientClipping", "PlateauScheduler", "StepValidation",
                "ProgressPrinter", "EarlyStopping", "CSVLogger", "JSONLinesLogger",
                "TensorBoardLogger", "InterruptCheck", "ModelCheckpoint",
            ])
        let guardian = try #require(callbacks[0] as? NonFiniteLossGuard)
        #expect(guardian.policy == .rollback && guardian.rollbackFactor == 0.25 && guardian.maxRollbacks == 5)
        let clipping = try #require(callbacks[1] as? GradientClipping)
        #expect(clipping.maxNorm == 1 && clipping.maxValue == 0.5)
        #expect(
            (callbacks[2] as? PlateauScheduler)?.monitor == .trainLoss
                && (callbacks[3] as? StepValidation)?.interval == 3)
        #expect(callbacks.last === checkpoint)
    }

    @Test func seedMakesInitialWeightsReproducible() throws {
        let a = try setup("seed: 5\nmodel: {name: mlp, hidden: [16]}").model.stateDict()
        let b = try setup("seed: 5\nmodel: {name: mlp, hidden: [16]}").model.stateDict()
        let c = try setup("seed: 6\nmodel: {name: mlp, hidden: [16]}").model.stateDict()
        #expect(a.map(\.0) == ["1.weight", "1.bias", "4.weight", "4.bias"])
        #expect(zip(a, b).allSatisfy { $0.1.scalars == $1.1.scalars })
        #expect(a[0].1.scalars != c[0].1.scalars)
    }

    @Test func layersListInfersInputSizes() throws {
        let s = try TrainingConfig.load(
            contentsOf: ConfigFiles.examples.appendingPathComponent("shapes-layers.yaml"),
            overrides: ["data.train_samples=100", "data.test_samples=20"]
        ).makeSetup()
        let shapes = s.model.namedParameters().map { "\($0.0) \($0.1.shape)" }
        #expect(
            shapes == [
                "0.weight [16, 1, 3, 3]", "0.bias [16]", "1.weight [16]", "1.bias [16]",
                "4.weight [32, 16, 3, 3]", "4.bias [32]", "5.weight [32]", "5.bias [32]",
                "9.weight [64, 1568]", "9.bias [64]", "12.weight [10, 64]", "12.bias [10]",
            ])
        #expect(try s.model.outputShape(for: [2, 1, 28, 28]) == [2, 10])
        #expect(s.optimizer.name == "AdamW" && s.scheduleEveryStep && s.schedule is OneCycleLR)
        // one-cycle over every step of the run, starting at max_lr / div_factor
        let cycle = try #require(s.schedule as? OneCycleLR)
        #expect(cycle.totalSteps == 5 * s.train.batchesPerEpoch && abs(s.optimizer.lr - 0.003 / 25) < 1e-12)
    }

    @Test func layersThatDoNotChainNameTheLayer() throws {
        let config = try TrainingConfig.load(contentsOf: ConfigFiles.fixture("config-layers-mismatch.yaml"))
        let e = try #require(#expect(throws: DescentError.self) { try config.makeSetup() })
        #expect(e.kind == .config && e.location.hasSuffix("config-layers-mismatch.yaml:8 model.layers[3]"))
        #expect(
            e.reason == "conv2d on input [2704]: expects [C, H, W] inputs, got [2704] (add or remove a flatten layer?)")
        let wrongOutput = try #require(
            #expect(throws: DescentError.self) {
                try setup("model: {layers: [flatten, {name: linear, out_features: 7}]}")
            })
        #expect(wrongOutput.description == "c.yaml:2 model.layers: outputs [7] per sample; the data needs [10]")
        let tooSmall = try #require(
            #expect(throws: DescentError.self) {
                try setup(
                    "model: {layers: [{name: max_pool2d, kernel_size: 40}, flatten, {name: linear, out_features: classes}]}"
                )
            })
        #expect(
            tooSmall.location == "c.yaml:2 model.layers[0]"
                && tooSmall.reason.hasPrefix("max_pool2d on input [1, 28, 28]:"))
    }

    @Test func zooModelsFitTheData() throws {
        let w1 = try ModelConfig(
            .zoo(.mlp, ConfigOptions(["hidden": .list([.int(512), .int(512)]), "dropout": .number(0)]))
        )
        .makeModel(inputShape: [784], classes: 10)
        #expect(
            w1.namedParameters().map { "\($0.0) \($0.1.shape)" } == [
                "0.weight [512, 784]", "0.bias [512]", "2.weight [512, 512]",
                "2.bias [512]", "4.weight [10, 512]", "4.bias [10]",
            ])
        let cnn = try ModelConfig(.zoo(.cnn, ConfigOptions())).makeModel(inputShape: [3, 32, 32], classes: 10)
        #expect(cnn.parameterCount == Models.cnn(inChannels: 3, height: 32, classes: 10).parameterCount)
        let resnet = try ModelConfig(
            .zoo(.resnet, ConfigOptions(["widths": .list([.int(8), .int(16)]), "blocks": .list([.int(1), .int(1)])]))
        )
        .makeModel(inputShape: [3, 32, 32], classes: 5)
        #expect(
            resnet.parameterCount
                == ResNet(inChannels: 3, classes: 5, widths: [8, 16], blocksPerStage: [1, 1]).parameterCount)
        #expect(
            try ModelConfig(.zoo(.resnet, ConfigOptions())).makeModel(inputShape: [3, 32, 32], classes: 10)
                .parameterCount
                == ResNet.small().parameterCount)
        #expect(
            try ModelConfig(.zoo(.lenet5, ConfigOptions())).makeModel(inputShape: [1, 28, 28], classes: 10)
                .parameterCount
                == Models.leNet5().parameterCount)
        #expect(
            try ModelConfig(.zoo(.vgg, ConfigOptions())).makeModel(inputShape: [3, 32, 32], classes: 10).parameterCount
                == Models.smallVGG().parameterCount)
        let lenet = try #require(
            #expect(throws: DescentError.self) {
                try ModelConfig(.zoo(.lenet5, ConfigOptions())).makeModel(inputShape: [1, 32, 32], classes: 10)
            })
        #expect(lenet.description == "model.name: lenet5 expects 28×28 images, the data gives [1, 32, 32]")
        let flat = try #require(
            #expect(throws: DescentError.self) {
                try TrainingConfig.parse(
                    yaml:
                        "data: {dataset: csv, path: \(ConfigFiles.examples.path)/data/regression.csv, target: y}\nmodel: {name: cnn}",
                    source: "c.yaml"
                ).makeSetup()
            })
        #expect(flat.description == "c.yaml:2 model.name: cnn expects [C, H, W] images, the data gives [3]")
    }

    /// `audio_rnn` takes its input size from the spectrogram's bands and its options from the section; images with
    /// three channels or vectors stop with one line.
    @Test func audioRNNReadsTheBandsAndItsOptions() throws {
        let options = try TrainingConfig.parse(
            yaml: "model: {name: audio_rnn, cell: lstm, hidden: 8, num_layers: 2, bidirectional: true, dropout: 0.1}"
        ).model
        let model = try #require(
            try options.makeModel(inputShape: [1, 40, 48], classes: 10) as? FrameSequenceClassifier)
        #expect(model.features == 40 && model.recurrent.kind == .lstm && model.recurrent.hiddenSize == 8)
        #expect(model.recurrent.numLayers == 2 && model.recurrent.bidirectional && model.recurrent.dropout == 0.1)
        #expect(model.head.inFeatures == 16 && model.head.outFeatures == 10)
        let gru = try ModelConfig(.zoo(.audioRNN, ConfigOptions())).makeModel(inputShape: [13, 20], classes: 3)
        #expect((gru as? FrameSequenceClassifier)?.recurrent.kind == .gru)
        for shape in [[3, 32, 32], [784]] {
            let e = try #require(
                #expect(throws: DescentError.self) {
                    try ModelConfig(.zoo(.audioRNN, ConfigOptions())).makeModel(inputShape: shape, classes: 10)
                })
            #expect(
                e.description
                    == "model.name: audio_rnn expects [1, features, frames] spectrograms (e.g. audio log-mel features), "
                    + "the data gives \(shape)")
        }
    }

    @Test func optimizerOptionsAndGroupsReachTheOptimizer() throws {
        let s = try setup(
            """
            model: {name: mlp, hidden: [16], dropout: 0}
            optimizer:
              name: sgd
              lr: 0.1
              momentum: 0.9
              nesterov: true
              weight_decay: 5e-4
              groups:
                - {params: "*.bias", weight_decay: 0}
                - {params: "3.weight", lr: 0.01, momentum: 0.5}
            schedule: {name: none}
            """)
        let state = s.optimizer.stateDict()
        #expect(
            state.optimizer == "SGD"
                && state.groups.map(\.names) == [["1.weight"], ["1.bias", "3.bias"], ["3.weight"]])
        #expect(s.optimizer.learningRates == [0.1, 0.1, 0.01] && s.optimizer.momenta == [0.9, 0.9, 0.5])
        func option(_ g: Int, _ key: String) -> StateValue? {
            if case .object(let o) = state.groups[g].options { return o[key] }
            return nil
        }
        #expect(
            option(0, "weightDecay") == .number(5e-4) && option(1, "weightDecay") == .number(0)
                && option(2, "weightDecay") == .number(5e-4))
        #expect(option(0, "nesterov") == .bool(true) && option(0, "dampening") == .number(0))
        #expect(
            s.schedule == nil
                && s.description.contains(
                    "SGD lr 0.1 momentum 0.9 weight decay 0.0005 (2 parameter groups), constant learning rate")
        )

        let adam = try setup(
            "model: {name: mlp, hidden: [8]}\noptimizer: {name: adam, lr: 0.002, betas: [0.8, 0.95], eps: 1e-6, amsgrad: true}"
        )
        if case .object(let o) = adam.optimizer.stateDict().groups[0].options {
            #expect(
                o["beta1"] == .number(0.8) && o["beta2"] == .number(0.95) && o["eps"] == .number(1e-6)
                    && o["amsgrad"] == .bool(true))
        } else {
            Issue.record("Adam options are not an object")
        }
        let nothing = try #require(
            #expect(throws: DescentError.self) {
                try setup("model: {name: mlp, hidden: [8]}\noptimizer: {groups: [{params: \"head.*\", lr: 0.1}]}")
            })
        #expect(
            nothing.location == "c.yaml:3 optimizer.groups[0]"
                && nothing.reason.hasPrefix("params [\"head.*\"] match no parameter"))
    }

    @Test func schedulesCoverTheRun() throws {
        let step = try setup("training: {epochs: 9}\nschedule: {name: step}")
        let s = try #require(step.schedule as? StepLR)
        #expect(s.stepSize == 3 && s.gamma == 0.1)
        let warm = try setup("training: {epochs: 10}\nschedule: {name: cosine, warmup: 2, warmup_start_factor: 0.1}")
        let chained = try #require(warm.schedule as? SequentialLR)
        #expect(chained.milestones == [2] && abs(warm.optimizer.lr - 1e-4) < 1e-15)
        #expect(abs(chained.lr(at: 2) - 1e-3) < 1e-15 && abs(chained.lr(at: 10)) < 1e-15)
        let perStep = try setup("training: {epochs: 2}\nschedule: {name: cosine, every: step}")
        #expect(perStep.scheduleEveryStep && (perStep.schedule as? CosineAnnealingLR)?.tMax == 12)
        let plateau = try setup("schedule: {name: reduce_on_plateau, factor: 0.5, patience: 1}")
        #expect(
            plateau.schedule == nil && plateau.reduceOnPlateau?.factor == 0.5
                && plateau.plateauMonitor == .validationLoss)
        let tooLong = try #require(
            #expect(throws: DescentError.self) { try setup("training: {epochs: 2}\nschedule: {warmup: 2}") })
        #expect(
            tooLong.description
                == "c.yaml:3 schedule.warmup: the warm-up (2 epochs) must be shorter than the run (2 epochs)")
    }

    @Test func normalisationAndAugmentationApplyToTheRightSplits() throws {
        let s = try setup(overrides: [
            "data.normalize={mean: [0.1307], std: [0.3081]}",
            "data.augment=[{name: random_crop, padding: 2}, random_horizontal_flip, {name: gaussian_noise, std: 0.05}]",
        ])
        #expect(
            s.preprocessing
                == "pixels scaled to [0, 1], then (x − 0.1307) / 0.3081 per channel; training samples augmented with random_crop, random_horizontal_flip, gaussian_noise"
        )
        let compose = try #require(s.train.transform as? Compose)
        #expect(
            compose.transforms.count == 4 && compose.transforms[0] is Normalize && compose.transforms[1] is RandomCrop)
        #expect((compose.transforms[3] as? GaussianNoise)?.clip == false)
        #expect(s.validation?.transform is Normalize && s.test?.transform is Normalize)
        let raw = s.test!.dataset.sample(at: 0).input
        let batch = try s.test!.batch(0, epoch: 0)
        #expect(abs(batch.inputs.scalars[0] - (raw.scalars[0] - 0.1307) / 0.3081) < 1e-6)

        let stats = try setup(overrides: ["data.normalize=dataset"])
        let train = stats.train.dataset
        let expected = try ChannelStatistics(of: train)
        #expect(
            stats.preprocessing
                == "pixels scaled to [0, 1], then (x − mean) / std per channel with the training split's mean "
                + String(format: "%.4g", Double(expected.mean[0])) + " and std "
                + String(format: "%.4g", Double(expected.std[0])))
        let crop = try #require(
            #expect(throws: DescentError.self) {
                try setup(overrides: ["data.augment=[{name: random_crop, size: 24}]"])
            })
        #expect(
            crop.location == "--set data.augment[0]"
                && crop.reason.hasPrefix("crops of 24×24 differ from the 28×28 samples"))
    }

    @Test func csvRegressionExampleBuildsAndLearns() throws {
        let config = try TrainingConfig.load(
            contentsOf: ConfigFiles.examples.appendingPathComponent("csv-regression.yaml"),
            overrides: ["training.epochs=25"])
        #expect(
            config.data.csv?.path
                == ConfigFiles.examples.appendingPathComponent("data/regression.csv").standardizedFileURL.path)
        let s = try config.makeSetup()
        #expect(s.train.dataset.count == 288 && s.validation?.dataset.count == 32 && s.test?.dataset.count == 80)
        #expect(s.inputShape == [3] && s.classes == nil && s.classNames == nil)
        #expect(
            s.preprocessing.hasPrefix(
                "3 CSV feature columns (x1, x2, x3), then (x − mean) / std per channel with the training split's mean ["
            ))
        let sample = s.train.dataset.sample(at: 0)
        guard case .tensor(let target) = sample.target else { Issue.record("no tensor target"); return }
        #expect(target.shape == [1])
        let trainer = s.makeTrainer()
        try trainer.fit(s.train, validation: s.validation, epochs: config.training.epochs)
        let result = try trainer.evaluate(try #require(s.test))
        let metrics = try #require(result.regression)
        // The noise's standard deviation is 0.1.
        #expect(metrics.r2 > 0.99 && metrics.rmse < 0.3, "R² \(metrics.r2), RMSE \(metrics.rmse)")
    }

    @Test func csvClassificationReadsClassNames() throws {
        let s = try TrainingConfig.load(contentsOf: ConfigFiles.fixture("config-csv-classes.yaml")).makeSetup()
        #expect(s.classes == 3 && s.classNames == ["cat", "dog", "fox"] && s.inputShape == [2])
        #expect(
            s.train.dataset.count + s.validation!.dataset.count + s.test!.dataset.count == 60
                && s.test!.dataset.count == 15)
        #expect(s.model.parameterCount == 2 * 8 + 8 + 8 * 3 + 3)
    }

    @Test func missingOrMalformedDataNamesTheKey() throws {
        let missing = try TrainingConfig.load(contentsOf: ConfigFiles.fixture("config-missing-csv.yaml"))
        let e = try #require(#expect(throws: DescentError.self) { try missing.makeSetup() })
        #expect(e.location.hasSuffix("config-missing-csv.yaml:5 data.path") && e.reason.hasPrefix("no such file: /"))
        #expect(e.reason.hasSuffix("/Fixtures/no-such-file.csv"))
        let column = try #require(
            #expect(throws: DescentError.self) {
                try TrainingConfig.parse(
                    yaml: "data: {dataset: csv, path: \(ConfigFiles.examples.path)/data/regression.csv, target: z}",
                    source: "c.yaml"
                ).makeSetup()
            })
        #expect(column.location == "c.yaml:1 data.target")
        #expect(column.reason.hasSuffix("(columns: x1, x2, x3, y)") && column.reason.hasPrefix("no column 'z' in /"))
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent(
            "descent-config-\(UUID().uuidString)"
        ).path
        let mnist = try #require(
            #expect(throws: DescentError.self) {
                try TrainingConfig.parse(
                    yaml: "data: {dataset: mnist, directory: \(folder), download: false}", source: "c.yaml"
                ).makeSetup()
            })
        #expect(mnist.kind == .config && mnist.location == "c.yaml:1 data.directory")
    }

    /// `$DESCENT_DATA` when it holds `folder`; prints why the test is skipped otherwise.
    func sharedData(_ folder: String, for test: String) -> URL? {
        guard let root = ProcessInfo.processInfo.environment["DESCENT_DATA"], !root.isEmpty,
            FileManager.default.fileExists(atPath: URL(fileURLWithPath: root).appendingPathComponent(folder).path)
        else {
            print("skipped \(test): no \(folder)/ folder under DESCENT_DATA")
            return nil
        }
        return URL(fileURLWithPath: root)
    }

    @Test func mnistExamplesBuildOnTheRealFiles() throws {
        guard sharedData("mnist", for: "the MNIST example setups") != nil else { return }
        let s = try TrainingConfig.load(
            contentsOf: ConfigFiles.examples.appendingPathComponent("mnist-cnn.yaml"),
            overrides: ["data.download=false"]
        ).makeSetup()
        // The validation part is stratified by class.
        #expect(
            s.train.dataset.count == 54_001 && s.validation?.dataset.count == 5_999 && s.test?.dataset.count == 10_000)
        #expect(s.inputShape == [1, 28, 28] && s.classes == 10 && s.classNames == MNIST.classNames)
        #expect(s.preprocessing == "pixels scaled to [0, 1], then (x − 0.1307) / 0.3081 per channel")
        #expect(s.model.parameterCount == Models.cnn().parameterCount && s.train.batchesPerEpoch == 844)
        #expect(
            s.description
                == "mnist: 54,001 train, 5,999 validation, 10,000 test samples of [1, 28, 28]; model cnn (421,642 parameters); "
                + "Adam lr 0.001, cosine schedule per epoch; batch 64")
        let mlp = try TrainingConfig.load(contentsOf: ConfigFiles.examples.appendingPathComponent("mnist-mlp.yaml"))
            .makeSetup()
        #expect(mlp.model.parameterCount == 784 * 256 + 256 + 256 * 128 + 128 + 128 * 10 + 10)
    }

    @Test func sklearnDigitsAreSplitThreeWays() throws {
        guard sharedData("sklearn-digits", for: "the sklearn-digits setup") != nil else { return }
        let s = try TrainingConfig.parse(
            yaml: "data: {dataset: sklearn-digits, test_fraction: 0.2}\nmodel: {name: mlp, hidden: [32]}"
        ).makeSetup()
        let sizes = [s.train.dataset.count, s.validation!.dataset.count, s.test!.dataset.count]
        #expect(sizes.reduce(0, +) == 1_797 && abs(sizes[2] - 360) <= 10 && abs(sizes[1] - 144) <= 10)
        #expect(
            s.inputShape == [64] && s.classes == 10 && s.preprocessing == "cell counts divided by 16 (values in [0, 1])"
        )
    }

    @Test func spokenDigitsExampleBuildsLogMelFeatures() throws {
        guard sharedData("free-spoken-digit", for: "the free-spoken-digits example setup") != nil else { return }
        let s = try TrainingConfig.load(
            contentsOf: ConfigFiles.examples.appendingPathComponent("free-spoken-digits.yaml")
        ).makeSetup()
        #expect(s.inputShape == [1, 40, 48] && s.classes == 10 && s.test?.dataset.count == 300)
        #expect(s.train.dataset.count == 2_430 && s.validation?.dataset.count == 270)
        #expect(
            s.preprocessing.hasPrefix(
                "40-band log-mel spectrograms in dB (n_fft 256, hop 128, 48 frames) of the 8 kHz recordings, then (x − mean) / std"
            ))
        #expect(s.preprocessing.hasSuffix("; training samples augmented with time_masking, frequency_masking"))
        let compose = try #require(s.train.transform as? Compose)
        #expect(
            (compose.transforms[1] as? TimeMasking)?.timeMaskParam == 8
                && (compose.transforms[2] as? FrequencyMasking)?.freqMaskParam == 6)
        let batch = try s.train.batch(0, epoch: 0)
        #expect(batch.inputs.shape == [64, 1, 40, 48])
    }
}
