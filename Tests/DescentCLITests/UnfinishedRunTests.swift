import Foundation
import Testing

/// `descent predict --run DIR` and `descent evaluate --run DIR` on a folder whose training failed or was
/// interrupted before the end (a `config.yaml`, `run.json` and perhaps checkpoints, but no `model.safetensors`)
/// say in one line that DIR holds no finished run, what it holds, and how to go on (issue 22).
@Suite struct UnfinishedRunTests {
    static func message(_ run: URL, checkpoints: Bool) -> String {
        checkpoints
            ? "--run \(run.path): holds no finished run, only a config.yaml and checkpoints (training failed or was interrupted before it wrote model.safetensors); continue with descent train --resume \(run.path)"
            : "--run \(run.path): holds no finished run, only a config.yaml and no checkpoint (training failed or was interrupted before it wrote model.safetensors); start it again with descent train --resume \(run.path)"
    }

    @Test(arguments: [true, false])
    func predictSaysTheRunIsUnfinished(checkpoints: Bool) throws {
        let run = try TinyRuns.unfinished(checkpoints: checkpoints)
        let csv = try TinyRuns.regression.get().csv
        #expect(
            CommandOutcome.of(["predict", csv.path, "--run", run.path])
                == .failure(Self.message(run, checkpoints: checkpoints)))
    }

    @Test(arguments: [true, false])
    func evaluateSaysTheRunIsUnfinished(checkpoints: Bool) throws {
        let run = try TinyRuns.unfinished(checkpoints: checkpoints)
        #expect(
            CommandOutcome.of(["evaluate", "--run", run.path]) == .failure(Self.message(run, checkpoints: checkpoints)))
    }

    @Test func otherWeightsNeedOnlyTheManifest() throws {
        let run = try TinyRuns.unfinished(checkpoints: true)
        let (finished, csv) = try TinyRuns.regression.get()
        let weights = finished.appendingPathComponent("model.safetensors").path
        let output = TemporaryFolder.make("weights").appendingPathComponent("p.csv").path
        #expect(
            CommandOutcome.of(["predict", csv.path, "--run", run.path, "--weights", weights, "--output", output])
                == .success)
        #expect(CommandOutcome.of(["evaluate", "--run", run.path, "--weights", weights]) == .success)
        try FileManager.default.removeItem(at: run.appendingPathComponent("run.json"))
        #expect(
            CommandOutcome.of(["predict", csv.path, "--run", run.path, "--weights", weights])
                == .failure(
                    "--run \(run.path): holds no finished run, only a config.yaml and checkpoints (training failed or was interrupted before it wrote run.json); continue with descent train --resume \(run.path)"
                ))
    }

    @Test func theRunCanBeResumed() throws {
        let run = try TinyRuns.unfinished(checkpoints: false)
        #expect(CommandOutcome.of(["train", "--resume", run.path]) == .success)
        #expect(CommandOutcome.of(["evaluate", "--run", run.path]) == .success)
    }

    @Test func aPausedRunSaysSoAndResumes() throws {
        let (finished, csv) = try TinyRuns.regression.get()
        let run = TemporaryFolder.make("paused").appendingPathComponent("run")
        let config = finished.appendingPathComponent("config.yaml").path
        #expect(
            CommandOutcome.of(["train", config, "--output", run.path, "--epochs", "3", "--pause-after-epoch", "1"])
                == .success)
        let paused =
            "--run \(run.path): holds no finished run: it is paused after epoch 1 of 3 (the state is in "
            + "checkpoints/); continue with descent train --resume \(run.path)"
        #expect(CommandOutcome.of(["evaluate", "--run", run.path]) == .failure(paused))
        #expect(CommandOutcome.of(["predict", csv.path, "--run", run.path]) == .failure(paused))
        #expect(
            CommandOutcome.of(["train", "--resume", run.path, "--pause-after-epoch", "3"])
                == .failure("--pause-after-epoch 3: must be ≥ 1 and < training.epochs (3)"))
        #expect(CommandOutcome.of(["train", "--resume", run.path]) == .success)
        #expect(CommandOutcome.of(["evaluate", "--run", run.path]) == .success)
    }
}
