import Foundation
import Testing

@testable import DescentTrain

/// Successive halving through the built executable on a small problem whose best learning rate is known (Adam
/// on 60 generated shapes, 4 epochs with the default cosine schedule per epoch, lr 10, 0.03, 0.001, 1e-5: 0.03
/// is best): the full grid and halving (η 2, rungs at 1, 2 and 4 epochs) pick the same trial, halving with 8
/// trial-epochs against 16, and its winner, paused at each rung and resumed, ends with the full grid's weights
/// byte for byte; and a halving search killed between rungs resumes without rerunning any finished rung work.
enum HalvingSearch {
    static let config = """
        seed: 0
        report: false
        data: {dataset: shapes, train_samples: 60, test_samples: 20, validation_fraction: 0.25, batch_size: 15}
        model: {name: mlp, hidden: [16]}
        optimizer: {name: adam}
        training: {epochs: 4, non_finite: stop}
        search:
          grid:
            optimizer.lr: [10, 0.03, 0.001, 0.00001]
        """

    /// The config file in a fresh folder.
    static func file(_ name: String) throws -> URL {
        let file = TemporaryFolder.make(name).appendingPathComponent("small.yaml")
        try Data(config.utf8).write(to: file)
        return file
    }

    /// Runs `descent search` on the small problem with `flags` and returns the folder and the output.
    static func run(_ flags: [String], name: String) throws -> (folder: URL, output: String) {
        let file = try file(name)
        let folder = file.deletingLastPathComponent().appendingPathComponent("search")
        let result = try DescentExecutable.run(
            ["search", file.path, "--parallel", "2", "--output", folder.path]
                + flags)
        guard result.status == 0 else { throw CocoaError(.fileWriteUnknown, userInfo: ["stderr": result.errorLines]) }
        return (folder, result.output)
    }

    static let full = Result { try run(["--strategy", "full"], name: "search-full") }
    static let halving = Result {
        try run(["--strategy", "halving", "--reduction-factor", "2"], name: "search-halving")
    }
}

@Suite(.enabled(if: DescentExecutable.url != nil, DescentExecutable.absence))
struct SearchHalvingTests {
    @Test func halvingFindsTheFullGridsBestWithFewerTrialEpochs() throws {
        let full = try SearchResults.read(from: try HalvingSearch.full.get().folder)
        let (folder, output) = try HalvingSearch.halving.get()
        let halving = try SearchResults.read(from: folder)
        #expect(full.best?.number == 2 && halving.best?.number == 2, "\(output)")
        #expect(full.trialEpochs == 16 && halving.trialEpochs == 8)
        #expect(halving.best?.metric == full.best?.metric)  // continued from its checkpoints: the same training
        let weights = { (search: URL) in
            try Data(contentsOf: search.appendingPathComponent("trials/002/model.safetensors"))
        }
        #expect(try weights(folder) == weights(try HalvingSearch.full.get().folder))
        let pruned = folder.appendingPathComponent("trials/003")  // paused at rung 2, never finished
        #expect(!FileManager.default.fileExists(atPath: pruned.appendingPathComponent("model.safetensors").path))
        #expect(RunPause.read(from: pruned) == RunPause(epoch: 2, epochs: 4))
        #expect(
            output.contains(
                "successive halving: 4 trials, η 2, rungs at 1, 2, 4 epochs with 4, 2, 1 trials: "
                    + "4×1 + 2×1 + 1×2 = 8 trial-epochs (the full search: 4×4 = 16)"))
        #expect(halving.rungEpochs == [1, 2, 4] && full.rungEpochs == nil)
        #expect(halving.trials.map(\.status) == [.stopped, .done, .stopped, .stopped])
        #expect(halving.trials.map(\.rung) == [1, 3, 2, 1] && halving.trials.map(\.epochs) == [1, 4, 2, 1])
        #expect(halving.trials.map { $0.rungMetrics?.count } == [1, 3, 2, 1])
        #expect(halving.trials[0].reason == "pruned at rung 1 (1 epochs)")
        let log = try String(contentsOf: folder.appendingPathComponent("trials/002/train.log"), encoding: .utf8)
        #expect(log.components(separatedBy: "resuming from").count == 3, "\(log)")
        let csv = try String(contentsOf: folder.appendingPathComponent("results.csv"), encoding: .utf8)
        #expect(
            csv.hasPrefix(
                "trial,optimizer.lr,status,val_loss,best_epoch,epochs,seconds,rung,val_loss@1,"
                    + "val_loss@2,val_loss@4,reason\n"))
    }

    @Test func resumeAfterAKillBetweenRungsRerunsNoFinishedWork() throws {
        let file = try HalvingSearch.file("search-halving-kill")
        let folder = file.deletingLastPathComponent().appendingPathComponent("search")
        let search = Process()
        search.executableURL = DescentExecutable.url
        search.arguments = [
            "search", file.path, "--strategy", "halving", "--reduction-factor", "2",
            "--parallel", "1", "--output", folder.path,
        ]
        search.standardOutput = FileHandle.nullDevice
        try search.run()
        var decided: SearchResults?, trial: Int32?
        for _ in 0..<1000 where decided == nil {  // until rung 1 is decided and a promoted trial runs
            usleep(5_000)
            guard let r = try? SearchResults.read(from: folder) else { continue }
            trial = r.trials.first { $0.rung == 2 && $0.status == .running }?.pid
            if trial != nil { decided = r }
        }
        kill(search.processIdentifier, SIGKILL)  // kill -9 of the search and of its running trial
        search.waitUntilExit()
        if let trial { kill(trial, SIGKILL) }
        let before = try #require(decided)
        let pruned = before.trials.filter { $0.status == .stopped }
        #expect(pruned.map(\.number) == [1, 4])
        let histories = {
            try ["001", "004"].map { try Data(contentsOf: folder.appendingPathComponent("trials/\($0)/history.json")) }
        }
        let kept = try histories()
        let result = try DescentExecutable.run(["search", "--resume", folder.path])
        #expect(result.status == 0, "\(result.errorLines)")
        #expect(!result.output.contains("(rung 1, 1 epochs):"), "\(result.output)")  // no rung-1 trial started again
        let after = try SearchResults.read(from: folder)
        for t in pruned { #expect(try JSONFile.encode(after.trials[t.number - 1]) == (try JSONFile.encode(t))) }
        #expect(try histories() == kept)
        let reference = try SearchResults.read(from: try HalvingSearch.halving.get().folder)
        #expect(after.trials.map(\.status) == reference.trials.map(\.status))
        #expect(after.trials.map(\.rungMetrics) == reference.trials.map(\.rungMetrics))
        #expect(after.trialEpochs == 8 && after.best?.number == 2)
    }
}
