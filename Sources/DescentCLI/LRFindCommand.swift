import ArgumentParser
import Descent
import DescentTrain
import Foundation

/// `descent lr-find`: the learning-rate range test on a config's job, with its plot and table.
struct LRFindCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lr-find",
        abstract: "Run the learning-rate range test on a config's model, optimizer and data, and suggest a rate.",
        discussion: """
            The learning rate rises exponentially from --start to --end over --steps steps (epochs are cycled \
            when the data is shorter) while the smoothed training loss is recorded; the test stops early when \
            the smoothed loss exceeds 4 × its best. The suggested rate is the steepest descent of the smoothed \
            loss against log(lr). The model and optimizer are left as they were. Writes lr_find.svg and \
            lr_find.csv to --output. `optimizer.lr: find` in a config runs the same test before training.
            """
    )

    @Argument(help: "A YAML or JSON config file (keys: docs/config.md); omit it for the built-in main job.")
    var config: String?

    @Option(
        name: .customLong("set"),
        help: ArgumentHelp(
            "Override a config key, e.g. --set data.batch_size=64 (repeatable).",
            valueName: "key=value"))
    var overrides: [String] = []

    @Option(help: "The learning rate of the first step.")
    var start: Double = LearningRateFinder.defaultStart

    @Option(help: "The learning rate the exponential ramp reaches after --steps steps.")
    var end: Double = LearningRateFinder.defaultEnd

    @Option(help: "The number of training steps of the test.")
    var steps: Int = LearningRateFinder.defaultSteps

    @Option(help: "The folder receiving lr_find.svg and lr_find.csv.")
    var output: String = "runs/lr-find"

    func validate() throws {
        guard start > 0, start.isFinite else {
            throw ValidationError("--start must be a positive learning rate, got \(start)")
        }
        guard end > start, end.isFinite else {
            throw ValidationError("--end must be above --start (\(start)), got \(end)")
        }
        guard steps >= 1 else { throw ValidationError("--steps must be at least 1, got \(steps)") }
    }

    func run() throws {
        InterruptSignal.install()
        let trainingConfig: TrainingConfig
        if let config {
            trainingConfig = try TrainingConfig.load(contentsOf: URL(fileURLWithPath: config), overrides: overrides)
        } else {
            trainingConfig = try TrainingConfig.parse(yaml: "", source: "the built-in config", overrides: overrides)
        }
        let setup = try trainingConfig.makeSetup()
        print("descent lr-find: \(setup.description)")
        let result = try LearningRateFinder(start: start, end: end, steps: steps).run(on: setup)
        print(result.table())
        if let reason = result.stopReason { print("stopped: \(reason)") }
        let directory = URL(fileURLWithPath: output)
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        } catch {
            throw DescentError(.file, directory.path, "cannot create the output folder: \(error.localizedDescription)")
        }
        try AtomicFile.write(Data(result.plot.svg().utf8), to: directory.appendingPathComponent("lr_find.svg"))
        try AtomicFile.write(Data(result.csv.utf8), to: directory.appendingPathComponent("lr_find.csv"))
        if let lr = result.suggestion {
            print(String(format: "suggested learning rate: %.2e (steepest descent of the smoothed loss)", lr))
        } else {
            print("no suggestion: too few steps with a finite loss (try more --steps or a lower --end)")
        }
        print("outputs in \(directory.path): lr_find.svg, lr_find.csv")
        fflush(nil)
    }
}
