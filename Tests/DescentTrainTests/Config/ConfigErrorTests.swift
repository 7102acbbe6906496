import Foundation
import Testing

@testable import Descent
@testable import DescentTrain

/// Mistakes in configuration files stop with one line: `file:line dotted.key: reason`.
@Suite struct ConfigErrorTests {
    /// The error of parsing `yaml` (named `c.yaml`).
    func error(_ yaml: String, overrides: [String] = []) -> DescentError? {
        #expect(throws: DescentError.self) {
            try TrainingConfig.parse(yaml: yaml, source: "c.yaml", overrides: overrides)
        }
    }

    /// The error of loading fixture `name`.
    func fixtureError(_ name: String) -> DescentError? {
        #expect(throws: DescentError.self) { try TrainingConfig.load(contentsOf: ConfigFiles.fixture(name)) }
    }

    @Test func unknownKeyNamesLineAndSuggests() throws {
        let e = try #require(fixtureError("config-unknown-key.yaml"))
        #expect(e.kind == .config)
        #expect(e.location.hasSuffix("config-unknown-key.yaml:6 optimizer.momentun"))
        #expect(e.reason == "unknown key (did you mean 'momentum'?)")
        #expect(
            e.description.hasSuffix(
                "config-unknown-key.yaml:6 optimizer.momentun: unknown key (did you mean 'momentum'?)"))
    }

    @Test func wrongTypeNamesTheValue() throws {
        let e = try #require(fixtureError("config-wrong-type.yaml"))
        #expect(e.location.hasSuffix("config-wrong-type.yaml:7 optimizer.lr"))
        #expect(e.reason == "expected a number or 'find', got 'fast'")
    }

    @Test func unknownLayerNamesIndexAndLine() throws {
        let e = try #require(fixtureError("config-unknown-layer.yaml"))
        #expect(e.location.hasSuffix("config-unknown-layer.yaml:7 model.layers[2].name"))
        #expect(
            e.reason.hasPrefix("unknown layer 'conv3d' (did you mean 'conv2d'? available: linear, conv2d, max_pool2d"))
    }

    @Test func syntaxErrorNamesFileAndLine() throws {
        let e = try #require(fixtureError("config-bad-syntax.yaml"))
        #expect(e.location.hasSuffix("config-bad-syntax.yaml:4"))
        #expect(e.reason.hasPrefix("invalid YAML: mapping values are not allowed"))
        let duplicate = try #require(error("data:\n  dataset: mnist\n  dataset: shapes\n"))
        #expect(duplicate.location == "c.yaml:2")
        #expect(duplicate.reason == "invalid YAML: key 'dataset' appears more than once in the same mapping")
    }

    @Test func missingFileNamesThePath() throws {
        let url = URL(fileURLWithPath: "/nonexistent/folder/train.yaml")
        let e = try #require(#expect(throws: DescentError.self) { try TrainingConfig.load(contentsOf: url) })
        #expect(e.location == "/nonexistent/folder/train.yaml" && e.reason == "no such configuration file")
    }

    @Test func outOfRangeValues() throws {
        #expect(error("optimizer:\n  lr: 0\n")?.description == "c.yaml:2 optimizer.lr: must be greater than 0, got 0")
        #expect(
            error("optimizer: {name: adam, lr: -0.5}")?.description
                == "c.yaml:1 optimizer.lr: must be greater than 0, got -0.5")
        #expect(
            error("data:\n  validation_fraction: 1\n")?.description
                == "c.yaml:2 data.validation_fraction: must be in [0, 1), got 1")
        #expect(error("training: {epochs: 0}")?.description == "c.yaml:1 training.epochs: must be at least 1, got 0")
        #expect(
            error("optimizer: {betas: [0.9, 1.5]}")?.description
                == "c.yaml:1 optimizer.betas[1]: must be in [0, 1), got 1.5")
        #expect(
            error("data: {dataset: csv, path: a.csv, target: y, test_fraction: 0.5, validation_fraction: 0.5}")?.reason
                == "test_fraction 0.5 and validation_fraction 0.5 leave nothing to train on")
        #expect(
            error("data: {batch_size: big}")?.description
                == "c.yaml:1 data.batch_size: expected a positive integer or 'full', got 'big'")
        #expect(error("data: {batch_size: 0}")?.reason == "expected a positive integer or 'full', got '0'")
        #expect(
            error("data: {dataset: free-spoken-digits, audio: {mels: 30}}")?.description
                == "c.yaml:1 data.audio.mels: must be a multiple of 4 (the CNN pools twice), got 30")
        #expect(error("seed: -1")?.reason == "expected a non-negative integer, got '-1'")
    }

    @Test func wrongTypes() throws {
        #expect(error("training: {epochs: 2.5}")?.reason == "expected an integer, got '2.5'")
        #expect(error("data: {shuffle: maybe}")?.reason == "expected true or false, got 'maybe'")
        #expect(error("optimizer: {lr: \"0.1\"}")?.reason == "expected a number, got \"0.1\"")
        #expect(
            error("model: {name: mlp, hidden: 128}")?.description
                == "c.yaml:1 model.hidden: expected a list such as [1, 2], got '128'")
        #expect(
            error("optimizer: [adam]")?.description
                == "c.yaml:1 optimizer: expected a section of key: value lines, got a list")
        #expect(
            error("- data\n- model\n")?.description
                == "c.yaml:1: expected sections such as data:, model:, optimizer:, got a list")
        #expect(
            error("training: {eval_every: often}")?.reason
                == "expected 'epoch' or a positive number of steps, got 'often'")
    }

    @Test func missingRequiredKeysNameTheirSection() throws {
        #expect(
            error("schedule: {name: exponential}")?.description
                == "c.yaml:1 schedule.gamma: missing (required by exponential)")
        #expect(
            error("seed: 1\ndata:\n  dataset: csv\n  target: y\n")?.description
                == "c.yaml:2 data.path: missing (required by dataset csv: the CSV file)")
        #expect(
            error("model:\n  layers:\n    - relu\n    - {name: conv2d, kernel_size: 3}\n")?.description
                == "c.yaml:4 model.layers[1].out_channels: missing (required by conv2d)")
        #expect(
            error("model: {layers: [{conv2d: {out_channels: 3}}]}")?.reason
                == "missing: write each item as a layer name or {name: …, option: value}")
    }

    @Test func unknownNamesListWhatIsAvailable() throws {
        let dataset = try #require(error("data:\n  dataset: mnits\n"))
        #expect(dataset.location == "c.yaml:2 data.dataset")
        #expect(
            dataset.reason
                == "unknown dataset 'mnits' (did you mean 'mnist'? available: shapes, mnist, fashion-mnist, cifar10, sklearn-digits, free-spoken-digits, csv, text, folder, shards, spell-numbers)"
        )
        #expect(
            error("model: {name: resnet50}")?.reason
                == "unknown model 'resnet50' (did you mean 'resnet'? available: mlp, cnn, cnn-bn, lenet5, vgg, resnet, resnet18, text_rnn, audio_rnn, seq2seq, rnn_lm)"
        )
        #expect(
            error("model: {name: transformer}")?.reason.hasPrefix("unknown model 'transformer' (available: mlp, cnn,")
                == true)
        #expect(
            error("optimizer: {name: adm}")?.reason
                == "unknown optimizer 'adm' (did you mean 'adam'? available: sgd, adam, adamw, rmsprop, adagrad, nadam, radam, adamax)"
        )
        #expect(
            error("schedule: {name: cosin}")?.reason.hasPrefix("unknown schedule 'cosin' (did you mean 'cosine'?")
                == true)
        #expect(
            error("loss: {name: bce}")?.reason
                == "unknown loss 'bce' (available: cross_entropy, mse, l1, smooth_l1, huber, token_cross_entropy)")
        #expect(
            error("data: {augment: [random_flip]}")?.description.hasPrefix(
                "c.yaml:1 data.augment[0]: unknown transform 'random_flip'") == true)
        #expect(
            error("training: {non_finite: ignore}")?.reason
                == "unknown non-finite loss policy 'ignore' (available: stop, skip, rollback)")
    }

    @Test func keysThatBelongElsewhere() throws {
        #expect(
            error("optimizer:\n  name: adam\n  momentum: 0.9\n")?.description
                == "c.yaml:3 optimizer.momentum: is not an option of adam (its options: lr, betas, eps, weight_decay, amsgrad, maximize)"
        )
        #expect(
            error("data: {dataset: mnist, train_samples: 100}")?.reason
                == "only used with datasets shapes and spell-numbers (this one is mnist)")
        #expect(error("data: {path: x.csv}")?.reason == "only used with dataset csv")
        #expect(
            error("data: {dataset: mnist, test_fraction: 0.2}")?.reason.hasPrefix(
                "only used with datasets without a test split") == true)
        #expect(
            error("model: {name: cnn, hidden: [10]}")?.reason
                == "is not an option of model cnn (its options: batch_norm, dropout)")
        #expect(
            error("model: {layers: [{name: linear, in_features: 10, out_features: 2}]}")?.reason
                == "is inferred from the previous layer's output; leave it out and give only out_features")
        #expect(
            error("model: {name: mlp, layers: [relu]}")?.reason == "give either a zoo model name or layers, not both")
        #expect(
            error("model: {layers: [{name: relu, p: 0.5}]}")?.description
                == "c.yaml:1 model.layers[0].p: is not an option of layer relu (it has none)")
        #expect(
            error("data: {augment: [{name: random_horizontal_flip, degrees: 5}]}")?.reason
                == "is not an option of random_horizontal_flip (its options: p)")
        #expect(
            error("loss: {name: cross_entropy, delta: 1}")?.reason
                == "is not an option of loss cross_entropy (its options: label_smoothing)")
        #expect(
            error("optimizer: {name: adam, groups: [{params: fc.*, betas: [0.8, 0.9]}]}")?.description
                == "c.yaml:1 optimizer.groups[0].betas: cannot differ between parameter groups (groups may set lr, weight_decay, momentum)"
        )
        #expect(
            error("schedule: {name: step, t_max: 3}")?.reason
                == "is not an option of schedule step (its options: step_size, gamma, warmup, warmup_start_factor)")
        #expect(error("loss: {name: mse}")?.reason == "mse needs real-valued targets, but the task is classification")
        #expect(error("schedule: {name: reduce_on_plateau, every: step}")?.location == "c.yaml:1 schedule.every")
        #expect(
            error("optimizer: {name: sgd, nesterov: true}")?.reason
                == "Nesterov momentum needs a momentum above 0 and dampening 0")
    }

    @Test func unknownTopLevelAndNestedKeys() throws {
        let top = try #require(error("seed: 1\noptimiser:\n  name: sgd\n"))
        #expect(top.description == "c.yaml:2 optimiser: unknown key (did you mean 'optimizer'?)")
        #expect(
            error("data:\n  batchSize: 3\n")?.description
                == "c.yaml:2 data.batchSize: unknown key (did you mean 'batch_size'?)")
        #expect(error("training: {epochz: 3}")?.reason == "unknown key (did you mean 'epochs'?)")
        #expect(error("early_stopping: {patienc: 3}")?.reason == "unknown key (did you mean 'patience'?)")
        #expect(
            error("training: {speed: 3}")?.reason
                == "unknown key (known keys: epochs, max_steps, eval_every, non_finite, rollback_factor, max_rollbacks, clip_grad_norm, "
                + "clip_grad_value, evaluate_test, sync_batch_norm)")
    }
}
