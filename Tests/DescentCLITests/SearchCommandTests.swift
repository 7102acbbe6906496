import Foundation
import Testing

@testable import DescentTrain

/// `descent search`: bad spaces stop before any trial naming the key or flag (in process), and a tiny real
/// grid through the built executable: the best trial is the obviously best setting, a NaN trial is recorded
/// as failed (its HParams summary ends with STATUS_FAILURE) and the search goes on, trials never evaluate on the
/// test split, and `--resume` reruns only the trial left `running` (from its checkpoint) after stopping its stray
/// process; Ctrl-C stops a search with status 130 and `--resume` finishes it.
@Suite struct SearchCommandTests {
    @Test(arguments: [
        (
            ["--grid", "optimizer.lrr=0.1,0.01"],
            CommandOutcome.failure("search optimizer.lrr=0.1: unknown key (did you mean 'lr'?)")
        ),
        (["--grid", "optimizer.lr="], .failure("--grid optimizer.lr: empty list of values in ''")),
        (
            ["--random", "optimizer.lr=loguniform:0:1"],
            .failure("--random optimizer.lr: a log range needs bounds greater than 0, got 'loguniform:0:1'")
        ),
        (
            ["--grid", "training.epochs=1,lots"],
            .failure("search training.epochs=lots: expected an integer, got 'lots'")
        ),
        (["--grid", "optimizer.lr=0.1,-1"], .failure("search optimizer.lr=-1: must be greater than 0, got -1")),
        (
            ["--set", "training.epochs=1"],
            .failure("search: no parameters to search: give a search: section, --grid or --random")
        ),
        (
            ["--grid", "optimizer.lr=0.1", "--metric", "accuracy"],
            .usage("--metric must be val_loss or val_accuracy, got 'accuracy'")
        ),
        (
            ["--resume", "$TMP/none", "--grid", "optimizer.lr=0.1"],
            .usage(
                "--resume takes the search from the folder's search.json: give no CONFIG, --grid, --random, --set, "
                    + "--trials, --strategy, --min-epochs, --reduction-factor, --folds or --output with it")
        ),
        (
            ["--grid", "optimizer.lr=0.1", "--strategy", "asha"],
            .usage("--strategy must be full, halving or hyperband, got 'asha'")
        ),
        (
            ["--grid", "optimizer.lr=0.1,0.01,0.001", "--strategy", "hyperband", "--min-epochs", "4"],
            .failure(
                "--strategy hyperband: needs training.epochs (6) of at least min_epochs × reduction_factor (4 × 3)")
        ),
        (
            ["--grid", "optimizer.lr=0.1", "--strategy", "hyperband"],
            .failure("--strategy hyperband: 1 trials for 2 brackets; give at least one per bracket")
        ),
        (
            ["--grid", "optimizer.lr=0.1", "--reduction-factor", "1"],
            .usage("--reduction-factor must be at least 2, got 1")
        ),
        (
            ["--grid", "optimizer.lr=0.1", "--strategy", "halving", "--min-epochs", "6"],
            .failure("--min-epochs: must be less than training.epochs (6) with halving, got 6")
        ),
        (["--resume", "$TMP/none"], .failure("$TMP/none: not a search folder (no search.json)")),
    ])
    func badSearchesStopBeforeAnyTrial(arguments: [String], expected: CommandOutcome) throws {
        let folder = TemporaryFolder.make("search-bad")
        let output = folder.appendingPathComponent("out")
        let args = ["search"] + arguments + (arguments.contains("--resume") ? [] : ["--output", output.path])
        #expect(CommandOutcome.of(args, inFolder: folder) == expected.inFolder(folder))
        #expect(!FileManager.default.fileExists(atPath: output.path))
    }
}

/// The tiny search shared by the executable tests: Adam on 60 generated shapes, one epoch, lr 0.001 against
/// 10 and 1e38 (which overflows to NaN under `non_finite: stop`), two trials at a time.
enum TinySearch {
    static let config = """
        seed: 0
        report: false
        data: {dataset: shapes, train_samples: 60, test_samples: 20, validation_fraction: 0.25, batch_size: 15}
        model: {name: mlp, hidden: [16]}
        optimizer: {name: adam}
        schedule: {name: none}
        training: {epochs: 1, non_finite: stop}
        search:
          grid:
            optimizer.lr: [10, 0.001, 1e38]
        """

    static let folder: Result<(folder: URL, output: String), any Error> = Result {
        let base = TemporaryFolder.make("search")
        let file = base.appendingPathComponent("tiny.yaml")
        try Data(config.utf8).write(to: file)
        let folder = base.appendingPathComponent("search")
        let result = try DescentExecutable.run(["search", file.path, "--parallel", "2", "--output", folder.path])
        guard result.status == 0 else { throw CocoaError(.fileWriteUnknown, userInfo: ["stderr": result.errorLines]) }
        return (folder, result.output)
    }
}

@Suite(.enabled(if: DescentExecutable.url != nil, DescentExecutable.absence))
struct SearchExecutableTests {
    @Test func theBestTrialIsTheObviousOneAndTheNaNTrialFails() throws {
        let (folder, output) = try TinySearch.folder.get()
        let results = try SearchResults.read(from: folder)
        #expect(
            results.trials.map(\.parameters)
                == [["optimizer.lr=10"], ["optimizer.lr=0.001"], ["optimizer.lr=1e38"]])
        #expect(results.best?.number == 2, "\(output)")
        let nan = results.trials[2]
        #expect(nan.status == .failed && nan.reason?.contains("non-finite") == true, "\(nan)")
        #expect(results.trials[1].epochs == 1 && results.trials[1].bestEpoch == 1 && results.trials[1].metric!.isFinite)
        let best = try TrainingConfig.load(contentsOf: folder.appendingPathComponent("best.yaml"))
        #expect(best.optimizer.lr == 0.001 && best.training.evaluateTest && best.threads == nil)
        let csv = try String(contentsOf: folder.appendingPathComponent("results.csv"), encoding: .utf8)
        #expect(csv.hasPrefix("trial,optimizer.lr,status,val_loss,best_epoch,epochs,seconds,reason\n"))
        for trial in ["001", "002"] {  // trials are scored on validation only: no test figures in their run folders
            let run = folder.appendingPathComponent("trials/\(trial)")
            let metrics = try String(contentsOf: run.appendingPathComponent("metrics.json"), encoding: .utf8)
            #expect(!metrics.contains("accuracy") && !metrics.contains("loss"), "\(metrics)")
            let log = try String(contentsOf: run.appendingPathComponent("train.log"), encoding: .utf8)
            #expect(!log.contains("test accuracy"))
        }
        for trial in results.trials {  // one HParams summary per trial, next to its curves; the NaN one failed
            let run = folder.appendingPathComponent("trials/\(trial.folderName)")
            let names = try FileManager.default.contentsOfDirectory(atPath: run.path).filter {
                $0.hasSuffix(".hparams")
            }
            #expect(names.count == 1, "\(trial.folderName): \(names)")
            guard let name = names.first else { continue }
            let summaries = try TensorBoardReader.events(in: run.appendingPathComponent(name)).flatMap(\.hparams)
            #expect(
                summaries.contains(
                    .sessionStart(hparams: ["optimizer.lr": .number(Double(trial.value(of: "optimizer.lr")!)!)])))
            #expect(summaries.last == .sessionEnd(status: trial.status == .failed ? 2 : 1))
        }
        let test = try String(contentsOf: folder.appendingPathComponent("test.txt"), encoding: .utf8)
        #expect(test.hasPrefix("test split, read once for the best trial 002"), "\(test)")
        #expect(test.contains("test (20 samples)"), "\(test)")
        #expect(output.contains("trial 003 failed") && output.contains("best: trial 002"))
    }

    @Test func ctrlCStopsTheSearchAndResumeFinishesIt() throws {
        let base = TemporaryFolder.make("search-interrupt")
        let file = base.appendingPathComponent("long.yaml")
        try Data(
            (TinySearch.config.replacingOccurrences(of: "epochs: 1", with: "epochs: 40")
                + "\nearly_stopping: null\n").utf8
        ).write(to: file)
        let folder = base.appendingPathComponent("search")
        let search = Process()
        search.executableURL = DescentExecutable.url
        search.arguments = [
            "search", file.path, "--grid", "optimizer.lr=0.01,0.001", "--parallel", "1",
            "--output", folder.path,
        ]
        search.standardOutput = FileHandle.nullDevice
        try search.run()
        let log = folder.appendingPathComponent("trials/001/train.log")
        var pid: Int32?
        for _ in 0..<500 where pid == nil {  // until trial 001 trains (its signal watcher installed)
            usleep(10_000)
            let text = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
            if text.contains("descent train:") { pid = (try? SearchResults.read(from: folder))?.trials[0].pid }
        }
        let trial = try #require(pid)
        kill(trial, SIGINT)  // Ctrl-C at a terminal reaches the search and its trials
        kill(search.processIdentifier, SIGINT)
        search.waitUntilExit()
        #expect(search.terminationStatus == 130)
        let stopped = try SearchResults.read(from: folder)
        #expect(stopped.trials.map(\.status) == [.running, .pending])
        #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("best.yaml").path))
        let result = try DescentExecutable.run(["search", "--resume", folder.path])
        #expect(result.status == 0, "\(result.errorLines)")
        let done = try SearchResults.read(from: folder)
        #expect(done.trials.map(\.status) == [.done, .done] && done.trials.map(\.epochs) == [40, 40])
        #expect(try String(contentsOf: log, encoding: .utf8).contains("resuming from"))
    }

    @Test func resumeRerunsOnlyTheRunningTrial() throws {
        let (original, _) = try TinySearch.folder.get()
        let folder = TemporaryFolder.make("search-resume").appendingPathComponent("search")
        try FileManager.default.copyItem(at: original, to: folder)
        var results = try SearchResults.read(from: folder)
        let stray = Process()  // a trial process that outlived its killed search: --resume must stop it
        stray.executableURL = URL(fileURLWithPath: "/bin/sh")
        stray.arguments = ["-c", "while :; do sleep 0.1; done", "\(folder.path)/trials/002"]
        try stray.run()
        results.trials[1].status = .running
        results.trials[1].pid = stray.processIdentifier
        (results.trials[1].metric, results.trials[1].epochs, results.trials[1].seconds) = (nil, nil, nil)
        try results.write(to: folder)
        let kept = try ["001/history.json", "001/model.safetensors", "003/train.log"].map {
            try Data(contentsOf: folder.appendingPathComponent("trials/\($0)"))
        }
        let result = try DescentExecutable.run(["search", "--resume", folder.path])
        #expect(result.status == 0, "\(result.errorLines)")
        stray.waitUntilExit()
        #expect(stray.terminationReason == .uncaughtSignal && stray.terminationStatus == SIGKILL)
        #expect(result.output.contains("trials 002 to run") && !result.output.contains("trial 001 running"))
        let after = try SearchResults.read(from: folder)
        #expect(after.trials[0] == results.trials[0] && after.trials[2] == results.trials[2])
        #expect(after.trials[1].status == .done && after.trials[1].pid == nil && after.best?.number == 2)
        let now = try ["001/history.json", "001/model.safetensors", "003/train.log"].map {
            try Data(contentsOf: folder.appendingPathComponent("trials/\($0)"))
        }
        #expect(now == kept)
        let log = try String(contentsOf: folder.appendingPathComponent("trials/002/train.log"), encoding: .utf8)
        #expect(log.contains("resuming from"), "\(log)")  // it had a checkpoint: continued, not retrained
    }

    @Test func aKFoldTrialIsScoredByTheMeanOfItsFoldsAndNoFoldReadsTheTestSplit() throws {
        let base = TemporaryFolder.make("search-kfold")
        let file = base.appendingPathComponent("kfold.yaml")
        try Data(
            TinySearch.config.replacingOccurrences(of: "epochs: 1", with: "epochs: 2")
                .replacingOccurrences(of: "[10, 0.001, 1e38]", with: "[0.001, 10]").utf8
        ).write(to: file)
        let folder = base.appendingPathComponent("search")
        let result = try DescentExecutable.run(["search", file.path, "--folds", "3", "--output", folder.path])
        #expect(result.status == 0, "\(result.errorLines)")
        let results = try SearchResults.read(from: folder)
        #expect(results.folds == 3 && results.best?.number == 1, "\(result.output)")
        for trial in results.trials {
            #expect(trial.status == .done, "\(trial)")
            let epoch = try #require(trial.bestEpoch)
            let values = try (1...3).map { k -> Double in
                let run = folder.appendingPathComponent("trials/\(trial.folderName)/fold-\(k)")
                let config = try TrainingConfig.load(contentsOf: run.appendingPathComponent("config.yaml"))
                #expect(config.data.folds == 3 && config.data.fold == k && !config.training.evaluateTest)
                let history = try JSONFile.decode(
                    History.self, from: Data(contentsOf: run.appendingPathComponent("history.json")))
                // No fold reads the test split: no test figures in its run folder or log.
                let metrics = try String(contentsOf: run.appendingPathComponent("metrics.json"), encoding: .utf8)
                #expect(!metrics.contains("accuracy") && !metrics.contains("loss"), "\(metrics)")
                let log = try String(contentsOf: run.appendingPathComponent("train.log"), encoding: .utf8)
                #expect(!log.contains("test accuracy") && log.contains("20 validation"), "\(log)")
                return history.epochs[epoch - 1].validationLoss!
            }
            #expect(trial.foldMetrics == values)
            #expect(trial.metric == CrossValidation.mean(values))
            #expect(trial.metricSpread == CrossValidation.standardDeviation(values))
        }
        let csv = try String(contentsOf: folder.appendingPathComponent("results.csv"), encoding: .utf8)
        #expect(
            csv.hasPrefix(
                "trial,optimizer.lr,status,val_loss,best_epoch,epochs,seconds,val_loss_std,val_loss_fold1,"
                    + "val_loss_fold2,val_loss_fold3,reason\n"))
        #expect(result.output.contains("val_loss (3-fold mean ± std)"), "\(result.output)")
        let test = try String(contentsOf: folder.appendingPathComponent("test.txt"), encoding: .utf8)
        #expect(test.hasPrefix("test split, read once for the best trial 001 (3-fold mean), refit"), "\(test)")
        #expect(test.contains("test (20 samples)"), "\(test)")
        let report = try String(contentsOf: folder.appendingPathComponent("report.html"), encoding: .utf8)
        #expect(report.contains("is a 3-fold cross-validation mean"))
    }

    @Test func hyperbandRunsItsBracketsAndTestsTheBestOfAll() throws {
        let base = TemporaryFolder.make("search-hyperband")
        let file = base.appendingPathComponent("hb.yaml")
        try Data(
            TinySearch.config.replacingOccurrences(of: "epochs: 1", with: "epochs: 2")
                .replacingOccurrences(of: "[10, 0.001, 1e38]", with: "[10, 0.001, 0.01, 1]").utf8
        ).write(to: file)
        let folder = base.appendingPathComponent("search")
        let args = ["search", file.path, "--strategy", "hyperband", "--reduction-factor", "2"]
        let result = try DescentExecutable.run(args + ["--output", folder.path])
        #expect(result.status == 0, "\(result.errorLines)")
        #expect(result.output.contains("hyperband: 4 trials in 2 brackets, η 2: 2 at 1, 2; 2 at 2 epochs"))
        let first = try SearchResults.read(from: folder.appendingPathComponent("bracket-1"))
        let second = try SearchResults.read(from: folder.appendingPathComponent("bracket-2"))
        #expect(first.rungEpochs == [1, 2] && second.rungEpochs == nil)
        #expect(first.trials.map(\.parameters) == [["optimizer.lr=10"], ["optimizer.lr=0.001"]])
        #expect(second.trials.map(\.parameters) == [["optimizer.lr=0.01"], ["optimizer.lr=1"]])
        #expect(first.trials.map(\.status).sorted { $0.rawValue < $1.rawValue } == [.done, .stopped])
        #expect(second.trials.allSatisfy { $0.status == .done && $0.epochs == 2 })
        let bests = [(1, try #require(first.best)), (2, try #require(second.best))]
        let best = bests.min { $0.1.metric! < $1.1.metric! }!
        let test = try String(contentsOf: folder.appendingPathComponent("test.txt"), encoding: .utf8)
        #expect(
            test.hasPrefix("test split, read once for the best trial \(best.1.folderName) of bracket \(best.0)"),
            "\(test)")
        for bracket in ["bracket-1", "bracket-2"] {  // the brackets never read the test split
            #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("\(bracket)/test.txt").path))
        }
        let csv = try String(contentsOf: folder.appendingPathComponent("hyperband.csv"), encoding: .utf8)
        #expect(csv.hasPrefix("bracket,first_rung_epochs,trials,best_trial,optimizer.lr,val_loss\n1,1,2,"), "\(csv)")
        let resumed = try DescentExecutable.run(["search", "--resume", folder.path])
        #expect(resumed.status == 0, "\(resumed.errorLines)")
        #expect(!resumed.output.contains(" running"), "\(resumed.output)")
        #expect(try SearchResults.read(from: folder.appendingPathComponent("bracket-1")) == first)
    }
}
