import Foundation
import Testing

/// The built `descent` executable prints the same first line and exits with the same status as the commands
/// run in this process, and `predict` prints which CSV columns it took (skipped when the executable is absent).
@Suite(.enabled(if: DescentExecutable.url != nil, DescentExecutable.absence))
struct ExecutableTests {
    @Test(arguments: [
        ["summary", "--model", "nope"],
        ["train", "--set", "optimizer.lrr=0.1", "--output", "$TMP/run"],
        ["evaluate", "--run", "$TMP/gone"],
        ["predict", "$TMP/missing.csv", "--model", "mlp", "--weights", "$TMP/w.safetensors"],
        ["bench", "--workloads", "w10"],
    ])
    func sameLineAndStatus(arguments: [String]) throws {
        let folder = TemporaryFolder.make("exe-args")
        let resolved = arguments.map { $0.replacingOccurrences(of: "$TMP", with: folder.path) }
        let expected = CommandOutcome.of(resolved)
        let result = try DescentExecutable.run(resolved)
        #expect(expected.status != 0)
        #expect(result.status == expected.status)
        #expect(result.errorLines.first == expected.line)
    }

    @Test func predictNamesTheRunsColumns() throws {
        let (run, csv) = try TinyRuns.regression.get()
        let result = try DescentExecutable.run(["predict", csv.path, "--run", run.path])
        #expect(result.status == 0)
        let prefix =
            "descent predict: 40 samples from \(csv.path); preprocessing: the run's feature columns x1, x2, x3 chosen by header name (y left out), CSV numbers as written, then (x − "
        #expect(result.errorLines.count == 1 && result.errorLines[0].hasPrefix(prefix), "\(result.errorLines)")
        #expect(result.output.split(separator: "\n").count == 41)
    }

    @Test func anUnfinishedRunExitsWithStatus1() throws {
        let run = try TinyRuns.unfinished(checkpoints: true)
        let result = try DescentExecutable.run(["evaluate", "--run", run.path])
        #expect(result.status == 1)
        #expect(result.errorLines == ["Error: " + UnfinishedRunTests.message(run, checkpoints: true)])
    }
}
