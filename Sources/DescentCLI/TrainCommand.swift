import ArgumentParser
import Descent
import DescentData
import DescentMPI
import DescentTrain
import Foundation

/// `descent train`: trains from a YAML/JSON config (or the built-in main job), writes the run folder with
/// weights, logs, checkpoints and report, and resumes interrupted runs.
struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train a model from a YAML/JSON config (default: a CNN on the built-in generated shapes, offline).",
        discussion: """
            Without CONFIG this is the main job: the W3 CNN (batch norm, dropout) on the generated shapes dataset. \
            Any config key can be overridden: --set optimizer.lr=0.01 --set data.batch_size=full. The run folder \
            (--output, default runs/latest) receives config.yaml, run.json, model.safetensors, history.json, \
            metrics.json, log.csv, log.jsonl, report.html with SVG plots, and checkpoints/. Ctrl-C saves a \
            checkpoint; `descent train --resume DIR` continues exactly where the run stopped. \
            --pause-after-epoch E stops the run after epoch E without changing its length (schedules still span \
            training.epochs): it saves the checkpoint, history.json and paused.json, and --resume continues it \
            exactly. Under `mpirun -np N` (or `srun`, or with --distributed) the run is data-parallel: N ranks \
            each train on their share of every batch, gradients are averaged with MPI_Allreduce, and rank 0 \
            writes the run folder (README: Data-parallel training).
            """
    )

    @Argument(help: "A YAML or JSON config file (keys: docs/config.md); omit it for the built-in main job.")
    var config: String?

    @Option(
        name: .customLong("set"),
        help: ArgumentHelp("Override a config key, e.g. --set optimizer.lr=0.01 (repeatable).", valueName: "key=value"))
    var overrides: [String] = []

    @Option(
        help: ArgumentHelp(
            "Continue the run in this folder from its newest checkpoint, with its config.yaml (and any --set).",
            valueName: "run-folder"))
    var resume: String?

    @Option(help: "Shorthand for --set training.epochs=N.")
    var epochs: Int?

    @Option(
        help: ArgumentHelp(
            "Pause after this epoch (≥ 1, < training.epochs), checkpointed for --resume; the run "
                + "keeps its length for schedules.", valueName: "E"))
    var pauseAfterEpoch: Int?

    @Option(
        help:
            "Shorthand for --set data.dataset=NAME (shapes, mnist, fashion-mnist, cifar10, sklearn-digits, free-spoken-digits, csv)."
    )
    var dataset: String?

    @Option(help: "Shorthand for --set data.directory=DIR (default: $DESCENT_DATA).")
    var dataDir: String?

    @Option(help: "Shorthand for --set model.name=NAME.")
    var model: String?

    @Option(help: "Shorthand for --set seed=N.")
    var seed: UInt64?

    @Option(help: "Shorthand for --set threads=N (default: all cores).")
    var threads: Int?

    @Option(help: "Shorthand for --set output=DIR: the run folder (default runs/latest).")
    var output: String?

    @Flag(
        help: "Data-parallel training over MPI even when no MPI launcher is detected (under mpirun or srun it is on).")
    var distributed = false

    @Option(
        help: ArgumentHelp(
            "Data-parallel runs: check every K steps that all ranks hold the same weights and optimizer state "
                + "(0: never; debug builds check every 50 steps by default).", valueName: "K"))
    var checkReplicas = TrainCommand.defaultReplicaCheck

    /// Every 50 steps in debug builds, never in release builds.
    static var defaultReplicaCheck: Int {
        #if DEBUG
        return 50
        #else
        return 0
        #endif
    }

    @Option(
        help: ArgumentHelp(
            "Data-parallel runs: the largest gradient bucket of the all-reduce, in MiB (PyTorch DDP's bucket_cap_mb).",
            valueName: "MiB"))
    var bucketMib = 25.0

    func validate() throws {
        if resume != nil && config != nil {
            throw ValidationError(
                "--resume takes the config from the run folder: give either CONFIG or --resume, not both")
        }
        if !(bucketMib > 0) {
            throw ValidationError("--bucket-mib must be > 0, got \(bucketMib)")
        }
        if checkReplicas < 0 {
            throw ValidationError("--check-replicas must be ≥ 0, got \(checkReplicas)")
        }
        if resume != nil && output != nil {
            throw ValidationError("--resume continues in the run folder it names: --output cannot be combined with it")
        }
    }

    /// The shorthand flags as `--set` overrides, before the explicit ones (which win).
    var allOverrides: [String] {
        var sets: [String] = []
        if let epochs { sets.append("training.epochs=\(epochs)") }
        if let dataset { sets.append("data.dataset=\(dataset)") }
        if let dataDir { sets.append("data.directory=\(dataDir)") }
        if let model { sets.append("model.name=\(model)") }
        if let seed { sets.append("seed=\(seed)") }
        if let threads { sets.append("threads=\(threads)") }
        if let output { sets.append("output=\(output)") }
        return sets + overrides
    }

    func run() throws {
        InterruptSignal.install()  // before any thread starts, so that every thread leaves Ctrl-C to the watcher
        guard distributed || MPIContext.launchedByMPI else { return try train(distributed: nil) }
        let context = try MPIContext()
        do {
            let bytes = max(4, Int(bucketMib * 1_048_576))
            try train(distributed: DataParallel(context, bucketBytes: bytes, checkEvery: checkReplicas))
        } catch let exit as ExitCode {
            context.finalize()
            throw exit
        } catch {
            // One rank failing ends the whole job at once (MPI_Abort), so that no rank waits in a collective.
            if context.size > 1 { context.abort("descent train: rank \(context.rank): \(error)") }
            context.finalize()
            throw error
        }
        context.finalize()
    }

    /// Loads the config (or the resumed run's) and trains, data-parallel over `distributed` when given.
    func train(distributed: DataParallel?) throws {
        let trainingConfig: TrainingConfig
        var directory: URL?
        if let resume {
            let folder = RunFolder(resume)
            try folder.requireRun(option: "--resume")
            trainingConfig = try TrainingConfig.load(
                contentsOf: folder.directory.appendingPathComponent("config.yaml"),
                overrides: allOverrides)
            directory = folder.directory
        } else if let config {
            trainingConfig = try TrainingConfig.load(contentsOf: URL(fileURLWithPath: config), overrides: allOverrides)
        } else {
            trainingConfig = try TrainingConfig.parse(
                yaml: "", source: "the built-in config",
                overrides: allOverrides)
        }
        var run = TrainingRun(config: trainingConfig, directory: directory)
        run.pauseAfterEpoch = pauseAfterEpoch
        run.distributed = distributed
        let outcome = try run.start(resume: resume != nil)
        if outcome.interrupted { throw ExitCode(130) }
    }
}
