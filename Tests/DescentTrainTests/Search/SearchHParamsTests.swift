import Descent
import Foundation
import Testing

@testable import DescentTrain

/// The HParams summary of each search trial: a tiny search whose trials are run by a stand-in for `descent`
/// (a shell script that writes a `history.json`, or fails for trial 003) leaves exactly one `.hparams` event file
/// in each trial folder, with the searched keys typed as numbers, strings and flags, the best epoch's validation
/// metrics, every metric tag declared, and `STATUS_FAILURE` for the failed trial; `--resume` keeps them.
@Suite struct SearchHParamsTests {
    /// Trial 001 reaches val_loss 0.5, trial 002 0.25 (at epoch 2, where val_accuracy is 0.875); 003 fails.
    static let fakeDescent = """
        #!/bin/sh
        if [ "$1" = evaluate ]; then echo "test (4 samples): accuracy 0.5"; exit 0; fi
        out="$4"
        case "$out" in
          */003) echo "Error: diverged"; exit 1;;
          */001) loss=0.5;;
          *) loss=0.25;;
        esac
        cat > "$out/history.json" <<JSON
        {"epochs": [
          {"epoch": 1, "trainLoss": 1, "validationLoss": 0.75, "validationAccuracy": 0.5, "learningRate": 0.1,
           "seconds": 1, "samplesPerSecond": 1},
          {"epoch": 2, "trainLoss": 1, "validationLoss": $loss, "validationAccuracy": 0.875, "learningRate": 0.1,
           "seconds": 1, "samplesPerSecond": 1}], "evaluations": []}
        JSON
        """

    static func search(in base: URL) throws -> (plan: SearchPlan, folder: URL, executable: URL) {
        let executable = base.appendingPathComponent("descent")
        try Data(fakeDescent.utf8).write(to: executable)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: executable.path)
        var space = SearchSpace()
        space.parameters = [
            try SearchParameter(key: "optimizer.lr", spec: "0.1,0.01,0.001", grid: true),
            try SearchParameter(key: "optimizer.name", spec: "sgd", grid: true),
            try SearchParameter(key: "data.shuffle", spec: "false", grid: true),
        ]
        let plan = SearchPlan(
            config: nil, overrides: [], space: space, seed: 0, metric: .validationLoss, parallel: 2,
            threadsPerTrial: 1)
        return (plan, base.appendingPathComponent("search"), executable)
    }

    static func hparamsFiles(_ trial: URL) -> [URL] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: trial.path)) ?? []
        return names.filter { $0.hasPrefix("events.out.tfevents.") && $0.hasSuffix(".hparams") }
            .map { trial.appendingPathComponent($0) }
    }

    @Test func everyEndedTrialHoldsOneHParamsSummary() throws {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("hparams-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: base, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: base) }
        let (plan, folder, executable) = try Self.search(in: base)
        let run = try SearchRun(plan: plan, directory: folder, executable: executable)
        run.write = { _ in }
        let results = try run.start()
        #expect(results.trials.map(\.status) == [.done, .done, .failed])
        var files: [URL] = []
        for (trial, lr) in zip(results.trials, [0.1, 0.01, 0.001]) {
            let found = Self.hparamsFiles(folder.appendingPathComponent("trials/\(trial.folderName)"))
            #expect(found.count == 1, "\(trial.folderName): \(found)")
            guard let file = found.first else { continue }
            files.append(file)
            let events = try TensorBoardReader.events(in: file)
            let metrics: [String: Double] =
                trial.status == .failed
                ? [:] : ["hparams/val_loss": trial.number == 1 ? 0.5 : 0.25, "hparams/val_accuracy": 0.875]
            #expect(
                events.flatMap(\.hparams) == [
                    .experiment(
                        hparams: ["data.shuffle", "optimizer.lr", "optimizer.name"],
                        metrics: ["hparams/val_accuracy", "hparams/val_loss"]),
                    .sessionStart(hparams: [
                        "data.shuffle": .bool(false), "optimizer.lr": .number(lr), "optimizer.name": .string("sgd"),
                    ]),
                    .sessionEnd(status: trial.status == .failed ? 2 : 1),
                ])
            #expect(events.reduce(into: [:]) { $0.merge($1.scalars) { a, _ in a } } == metrics)
        }
        #expect(results.trials[2].metric == nil && results.trials[1].metric == 0.25)

        // --resume keeps every ended trial's file, and writes a missing one once.
        try FileManager.default.removeItem(at: files[0])
        let resumed = try SearchRun(plan: plan, directory: folder, executable: executable, resume: true)
        resumed.write = { _ in }
        #expect(resumed.unfinished.isEmpty)
        _ = try resumed.start()
        let after = results.trials.map { Self.hparamsFiles(folder.appendingPathComponent("trials/\($0.folderName)")) }
        #expect(after.map(\.count) == [1, 1, 1])
        #expect(Array(after.dropFirst().map(\.first)) == Array(files.dropFirst().map(Optional.some)))
    }

    @Test func valuesAreTypedByTheirParameter() throws {
        let grid = try SearchParameter(key: "a", spec: "1,x", grid: true)
        let flags = try SearchParameter(key: "b", spec: "true,false", grid: true)
        let sampled = try SearchParameter(key: "c", spec: "int:1:4", grid: false)
        let choice = try SearchParameter(key: "d", spec: "choice:0.5,2", grid: false)
        #expect(SearchHParams.value("1", of: grid) == .string("1"))
        #expect(SearchHParams.value("true", of: flags) == .bool(true))
        #expect(SearchHParams.value("3", of: sampled) == .number(3))
        #expect(SearchHParams.value("2", of: choice) == .number(2))
    }
}
