import Foundation
import Testing

/// `descent train` stops with one line, before writing anything, for a bad `--set`, an unknown name in a
/// registry (model, dataset, optimizer, schedule, loss, layer, transform), a missing or bad config file and a
/// missing run folder to resume. `$TMP` stands for a fresh temporary folder holding the config files below.
@Suite struct TrainCommandErrorTests {
    static let configs = [
        "unknown-key.yaml": "optimizer:\n  lrr: 0.1\n",
        "bad-syntax.yaml": "data:\n  dataset: [shapes\n",
        "wrong-type.yaml": "seed: 1\ntraining:\n  epochs: many\n",
        "unknown-layer.yaml": "model:\n  layers:\n    - name: flatten\n    - name: conv3d\n",
        "missing-csv.yaml": "data:\n  dataset: csv\n  path: no-such.csv\n  target: y\n",
        "list.yaml": "- data\n- model\n",
    ]

    static let layers =
        "linear, conv2d, max_pool2d, avg_pool2d, adaptive_avg_pool2d, batch_norm1d, batch_norm2d, layer_norm, dropout, relu, leaky_relu, elu, gelu, silu, sigmoid, tanh, softmax, log_softmax, flatten, embedding, rnn, lstm, gru"

    @Test(arguments: [
        (
            ["--set", "optimizer.lr"],
            CommandOutcome.failure("--set optimizer.lr: expected dotted.key=value, such as optimizer.lr=0.01")
        ),
        (["--set", "optimizer.lrr=0.1"], .failure("--set optimizer.lrr: unknown key (did you mean 'lr'?)")),
        (["--set", "optimizer.lr=fast"], .failure("--set optimizer.lr: expected a number or 'find', got 'fast'")),
        (["--set", "seed=-1"], .failure("--set seed: expected a non-negative integer, got '-1'")),
        (["--epochs", "0"], .failure("--set training.epochs: must be at least 1, got 0")),
        (
            ["--set", "optimizer.name=adamm"],
            .failure(
                "--set optimizer.name: unknown optimizer 'adamm' (did you mean 'adam'? available: sgd, adam, adamw, rmsprop, adagrad, nadam, radam, adamax)"
            )
        ),
        (
            ["--model", "nope"],
            .failure(
                "--set model.name: unknown model 'nope' (available: mlp, cnn, cnn-bn, lenet5, vgg, resnet, resnet18, text_rnn, audio_rnn, seq2seq, rnn_lm)"
            )
        ),
        (
            ["--dataset", "nope"],
            .failure(
                "--set data.dataset: unknown dataset 'nope' (available: shapes, mnist, fashion-mnist, cifar10, sklearn-digits, free-spoken-digits, csv, text, folder, shards, spell-numbers)"
            )
        ),
        (
            ["--set", "schedule.name=sometimes"],
            .failure(
                "--set schedule.name: unknown schedule 'sometimes' (available: none, step, multistep, exponential, inverse_time, polynomial, cosine, cosine_warm_restarts, linear, constant, one_cycle, reduce_on_plateau)"
            )
        ),
        (
            ["--set", "loss.name=l3"],
            .failure(
                "--set loss.name: unknown loss 'l3' (available: cross_entropy, mse, l1, smooth_l1, huber, token_cross_entropy)"
            )
        ),
        (
            ["--set", "model.layers=[{name: conv3d}]"],
            .failure("--set model.layers[0].name: unknown layer 'conv3d' (did you mean 'conv2d'? available: \(layers))")
        ),
        (
            ["--set", "data.augment=[spin]"],
            .failure(
                "--set data.augment[0]: unknown transform 'spin' (available: random_affine, random_rotation, random_horizontal_flip, random_vertical_flip, random_crop, random_resized_crop, random_perspective, random_erasing, color_jitter, gaussian_noise, time_masking, frequency_masking)"
            )
        ),
        (["$TMP/missing.yaml"], .failure("$TMP/missing.yaml: no such configuration file")),
        (
            ["$TMP/unknown-key.yaml"],
            .failure("$TMP/unknown-key.yaml:2 optimizer.lrr: unknown key (did you mean 'lr'?)")
        ),
        (
            ["$TMP/bad-syntax.yaml"],
            .failure(
                "$TMP/bad-syntax.yaml:3: invalid YAML: did not find expected ',' or ']' (while parsing a flow sequence)"
            )
        ),
        (["$TMP/wrong-type.yaml"], .failure("$TMP/wrong-type.yaml:3 training.epochs: expected an integer, got 'many'")),
        (
            ["$TMP/unknown-layer.yaml"],
            .failure(
                "$TMP/unknown-layer.yaml:4 model.layers[1].name: unknown layer 'conv3d' (did you mean 'conv2d'? available: \(layers))"
            )
        ),
        (["$TMP/missing-csv.yaml"], .failure("$TMP/missing-csv.yaml:3 data.path: no such file: $TMP/no-such.csv")),
        (
            ["$TMP/list.yaml"],
            .failure("$TMP/list.yaml:1: expected sections such as data:, model:, optimizer:, got a list")
        ),
    ])
    func badConfig(arguments: [String], expected: CommandOutcome) throws {
        let folder = try Self.folderWithConfigs()
        let output = ["--output", folder.appendingPathComponent("run").path]
        #expect(CommandOutcome.of(["train"] + arguments + output, inFolder: folder) == expected.inFolder(folder))
        #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("run").path))
    }

    @Test(arguments: [
        (["--resume", "$TMP/gone"], CommandOutcome.failure("--resume $TMP/gone: no such folder")),
        (["--resume", "$TMP"], .failure("--resume $TMP: is not a run folder (it has no config.yaml)")),
        (
            ["--resume", "$TMP/unknown-key.yaml"],
            .failure("--resume $TMP/unknown-key.yaml: is a file, not a run folder")
        ),
        (
            ["--resume", "$TMP", "$TMP/unknown-key.yaml"],
            .usage("--resume takes the config from the run folder: give either CONFIG or --resume, not both")
        ),
        (
            ["--resume", "$TMP", "--output", "$TMP/run"],
            .usage("--resume continues in the run folder it names: --output cannot be combined with it")
        ),
        (["--seed", "x"], .usage("The value 'x' is invalid for '--seed <seed>'")),
        (["--epochs"], .usage("Missing value for '--epochs <epochs>'")),
        (["--check-replicas=-1"], .usage("--check-replicas must be ≥ 0, got -1")),
        (["--bucket-mib", "0"], .usage("--bucket-mib must be > 0, got 0.0")),
    ])
    func badResume(arguments: [String], expected: CommandOutcome) throws {
        let folder = try Self.folderWithConfigs()
        #expect(CommandOutcome.of(["train"] + arguments, inFolder: folder) == expected.inFolder(folder))
    }

    /// A temporary folder with ``configs`` written into it.
    static func folderWithConfigs() throws -> URL {
        let folder = TemporaryFolder.make("train")
        for (name, text) in configs { try Data(text.utf8).write(to: folder.appendingPathComponent(name)) }
        return folder
    }
}
