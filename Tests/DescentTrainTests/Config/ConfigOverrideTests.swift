import Foundation
import Testing

@testable import Descent
@testable import DescentTrain

/// `--set dotted.key=value` overrides, and the resolved YAML that reads back to the same configuration.
@Suite struct ConfigOverrideTests {
    @Test func overridesSetScalarsListsAndFlowValues() throws {
        let c = try TrainingConfig.parse(
            yaml: "model: {name: mlp}\noptimizer: {name: sgd, lr: 0.1}",
            overrides: [
                "optimizer.lr=0.01", "data.batch_size=full", "model.hidden=[128,64]",
                "seed = 3", "early_stopping={patience: 9, monitor: val_accuracy}",
            ])
        #expect(c.optimizer.lr == 0.01 && c.optimizer.name == "sgd")
        #expect(c.data.batchSize == .full)
        #expect(
            c.model.architecture
                == .zoo(
                    .mlp,
                    ConfigOptions([
                        "hidden": .list([.int(128), .int(64)]), "dropout": .number(0.2),
                        "activation": .string("relu"), "batch_norm": .bool(false),
                    ])))
        #expect(c.seed == 3)
        #expect(c.earlyStopping == EarlyStoppingConfig(monitor: .validationAccuracy, patience: 9))
    }

    @Test func overridesCreateSectionsAndReplaceNull() throws {
        let c = try TrainingConfig.parse(
            yaml: "early_stopping: null",
            overrides: [
                "early_stopping.patience=7", "schedule.name=step",
                "training.eval_every=50",
            ])
        #expect(c.earlyStopping?.patience == 7 && c.schedule.kind == .step && c.training.evalEvery == .steps(50))
        let off = try TrainingConfig.parse(yaml: "", overrides: ["early_stopping=null", "checkpoint=false"])
        #expect(off.earlyStopping == nil && off.checkpoint == nil)
    }

    @Test func overridesReachListItems() throws {
        let c = try TrainingConfig.parse(
            yaml: "model:\n  layers:\n    - {name: linear, out_features: 4}\n    - relu\n",
            overrides: ["model.layers[0].out_features=8", "model.layers[1]=gelu"])
        guard case .layers(let layers) = c.model.architecture else { Issue.record("not a layers model"); return }
        #expect(layers[0].options.int("out_features") == 8 && layers[1].kind == .gelu)
        let e = try #require(
            #expect(throws: DescentError.self) {
                try TrainingConfig.parse(yaml: "model: {layers: [relu]}", overrides: ["model.layers[3].p=0.1"])
            })
        #expect(e.description == "--set model.layers[3].p: no item [3] to set (the list has 1 items)")
    }

    @Test func badOverridesAreLocatedAtTheFlag() throws {
        func error(_ o: String) -> DescentError? {
            #expect(throws: DescentError.self) {
                try TrainingConfig.parse(yaml: "optimizer: {name: adam}", source: "c.yaml", overrides: [o])
            }
        }
        #expect(error("optimizer.lrr=0.1")?.description == "--set optimizer.lrr: unknown key (did you mean 'lr'?)")
        #expect(
            error("optimizer.lr=fast")?.description == "--set optimizer.lr: expected a number or 'find', got 'fast'")
        #expect(
            error("optimizer.lr")?.description
                == "--set optimizer.lr: expected dotted.key=value, such as optimizer.lr=0.01")
        #expect(error("optimizer..lr=1")?.location == "--set optimizer..lr")
        #expect(error("data.dataset=[oops")?.description.hasPrefix("--set data.dataset: invalid YAML") == true)
        #expect(error("dataa.dataset=mnist")?.description == "--set dataa: unknown key (did you mean 'data'?)")
        let replaced = try #require(
            #expect(throws: DescentError.self) {
                try TrainingConfig.parse(
                    yaml: "data:\n  batch_size: 32\n", source: "c.yaml", overrides: ["data.batch_size=big"])
            })
        #expect(replaced.description == "--set data.batch_size: expected a positive integer or 'full', got 'big'")
    }

    @Test func resolvedYAMLReadsBackEqual() throws {
        for yaml in [
            "",
            """
            seed: 12345678901234567890
            threads: 3
            output: "runs/with: colon"
            data:
              dataset: csv
              path: "data/a b.csv"
              target: [y1, y2]
              features: [x1, "true"]
              normalize: {mean: [0.5], std: [2]}
              augment: []
            model:
              layers:
                - {name: linear, out_features: 16}
                - {name: gelu, approximate: tanh}
                - {name: dropout, p: 0.25}
                - {name: linear, out_features: classes}
            loss: {name: huber, delta: 0.5}
            optimizer: {name: adamw, lr: 3e-4, betas: [0.8, 0.99], groups: [{params: ["*.bias", "0.*"], weight_decay: 0, lr: 1e-3}]}
            schedule: {name: one_cycle, total_steps: 300, three_phase: true, anneal_strategy: linear}
            training: {epochs: 2, eval_every: 10, non_finite: skip, clip_grad_value: 0.5}
            early_stopping: null
            checkpoint: {every_epochs: null, every_steps: 20}
            """,
            """
            data: {dataset: free-spoken-digits, augment: [{name: time_masking, time_mask_param: 5}, frequency_masking]}
            schedule: {name: reduce_on_plateau, monitor: train_loss, mode: max}
            checkpoint: {every_epochs: 2, every_steps: 100}
            """,
            """
            data: {dataset: cifar10, augment: [{name: random_affine, degrees: 15, translate: [0.1, 0.2], scale: [0.8, 1.2], shear: 5}]}
            model: {name: vgg, channels: [16, 32], dropout: 0}
            schedule: {name: cosine_warm_restarts, t_0: 3, t_mult: 2}
            """,
        ] {
            let c = try TrainingConfig.parse(yaml: yaml)
            let again = try TrainingConfig.parse(yaml: c.yaml, source: "resolved")
            #expect(again == c, "\(c.yaml)")
            #expect(again.yaml == c.yaml)
        }
    }

    @Test func resolvedYAMLWritesEveryDefault() throws {
        let text = TrainingConfig.default.yaml
        for line in [
            "seed: 0", "threads: null", "output: runs/latest", "report: true", "  dataset: shapes",
            "  train_samples: 12000",
            "  validation_fraction: 0.1", "  batch_size: 64", "  normalize: none", "  augment: []", "  name: cnn-bn",
            "  batch_norm: true", "  name: cross_entropy", "  label_smoothing: 0", "  lr: 0.001",
            "  betas: [0.9, 0.999]",
            "  eps: 1e-08", "  name: cosine", "  every: epoch", "  epochs: 6", "  eval_every: epoch",
            "  non_finite: stop",
            "  patience: 3", "  monitor: val_loss", "  every_epochs: 1", "  keep: 2",
        ] {
            #expect(text.split(separator: "\n").contains(Substring(line)), "missing line '\(line)' in\n\(text)")
        }
    }

    @Test func everyExampleParsesAndReadsBackEqual() throws {
        let examples = ConfigFiles.exampleConfigs
        #expect(
            examples.map(\.lastPathComponent) == [
                "char-lm.yaml", "cifar10-resnet.yaml", "csv-regression.yaml", "fashion-mnist.yaml",
                "free-spoken-digits-gru.yaml", "free-spoken-digits.yaml", "mnist-cnn-bf16.yaml", "mnist-cnn-bn.yaml",
                "mnist-cnn.yaml",
                "mnist-folder.yaml",
                "mnist-mlp.yaml", "search-mnist.yaml", "sentiment.yaml", "seq2seq-numbers.yaml", "shapes-layers.yaml",
            ])
        for url in examples {
            let text = try String(contentsOf: url, encoding: .utf8)
            #expect(text.hasPrefix("# "), "\(url.lastPathComponent) starts with a comment")
            let command = url.lastPathComponent.hasPrefix("search-") ? "search" : "train"
            #expect(text.contains("# Run: descent \(command) examples/\(url.lastPathComponent)"))
            let c = try TrainingConfig.load(contentsOf: url)
            #expect(try TrainingConfig.parse(yaml: c.yaml) == c, "\(url.lastPathComponent)")
            #expect(c.output == "runs/" + url.deletingPathExtension().lastPathComponent)
        }
    }

    @Test func mnistCNNExampleIsTheW2RecipeWithEarlyStopping() throws {
        let c = try TrainingConfig.load(contentsOf: ConfigFiles.examples.appendingPathComponent("mnist-cnn.yaml"))
        #expect(c.data.dataset == .mnist && c.data.validationFraction == 0.1)
        #expect(c.model.name == "cnn" && c.optimizer.name == "adam" && c.optimizer.lr == 1e-3)
        #expect(c.training.epochs == 5 && c.earlyStopping != nil)
        if case .size(let b) = c.data.batchSize { #expect((64...128).contains(b)) } else { Issue.record("batch size") }
    }

    @Test func mnistCNNBF16ExampleIsTheCNNExampleInBF16() throws {
        let f32 = try TrainingConfig.load(contentsOf: ConfigFiles.examples.appendingPathComponent("mnist-cnn.yaml"))
        var bf16 = try TrainingConfig.load(
            contentsOf: ConfigFiles.examples.appendingPathComponent("mnist-cnn-bf16.yaml"))
        #expect(f32.precision == .float32 && bf16.precision == .bf16)
        bf16.precision = .float32
        bf16.output = f32.output
        #expect(bf16 == f32)
    }

    @Test func referenceExampleParsesAndBuilds() throws {
        let docs = ConfigFiles.examples.deletingLastPathComponent().appendingPathComponent("docs/config.md")
        let text = try String(contentsOf: docs, encoding: .utf8)
        let start = try #require(text.range(of: "## A full example\n\n```yaml\n"))
        let end = try #require(text.range(of: "```", range: start.upperBound..<text.endIndex))
        let c = try TrainingConfig.parse(
            yaml: String(text[start.upperBound..<end.lowerBound]), source: "docs/config.md")
        #expect(try TrainingConfig.parse(yaml: c.yaml) == c)
        #expect(
            c.data.dataset == .cifar10 && c.earlyStopping?.monitor == .validationAccuracy
                && c.training.nonFinite == .rollback)
        let model = try c.model.makeModel(inputShape: [3, 32, 32], classes: 10)
        #expect(try model.outputShape(for: [1, 3, 32, 32]) == [1, 10])
        let optimizer = try c.optimizer.makeOptimizer(for: model)
        #expect(
            optimizer.stateDict().groups.map(\.names) == [
                ["0.weight", "4.weight", "10.weight", "10.bias"],
                ["1.weight", "1.bias", "5.weight", "5.bias"],
            ])
    }
}
