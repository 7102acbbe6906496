import Foundation
import Testing

/// `descent evaluate` stops with one line for a bad combination of options, an unknown model or split, bad
/// normalisation, a missing or bad config or weights file and a folder that is not a run folder. `$TMP` stands
/// for a fresh temporary folder holding `unknown-key.yaml`.
@Suite struct EvaluateCommandErrorTests {
    static let models = SummaryCommandErrorTests.models

    @Test(arguments: [
        (["evaluate"], CommandOutcome.usage("give exactly one of --run, --config or --model")),
        (["evaluate", "--run", "$TMP", "--model", "mlp"], .usage("give exactly one of --run, --config or --model")),
        (
            ["evaluate", "--model", "nope", "--weights", "w.safetensors"],
            .usage("--model: unknown model 'nope' (available: \(models))")
        ),
        (["evaluate", "--model", "mlp"], .usage("--model and --config need --weights FILE")),
        (["evaluate", "--config", "$TMP/unknown-key.yaml"], .usage("--model and --config need --weights FILE")),
        (
            ["evaluate", "--run", "$TMP", "--split", "val"],
            .usage("--split must be train, validation, test, got 'val'")
        ),
        (
            ["evaluate", "--model", "mlp", "--weights", "w.safetensors", "--split", "validation"],
            .usage("--split must be train, test, got 'validation'")
        ),
        (
            ["evaluate", "--model", "mlp", "--weights", "w.safetensors", "--normalize", "1,2,3"],
            .usage("--normalize needs 'none' or mean,std pairs with positive std, got '1,2,3'")
        ),
        (
            ["evaluate", "--model", "mlp", "--weights", "w.safetensors", "--normalize", "0.5,-1"],
            .usage("--normalize needs 'none' or mean,std pairs with positive std, got '0.5,-1'")
        ),
        (["evaluate", "--run", "$TMP/gone"], .failure("--run $TMP/gone: no such folder")),
        (["evaluate", "--run", "$TMP"], .failure("--run $TMP: is not a run folder (it has no config.yaml)")),
        (
            ["evaluate", "--run", "$TMP/unknown-key.yaml"],
            .failure("--run $TMP/unknown-key.yaml: is a file, not a run folder")
        ),
        (
            ["evaluate", "--config", "$TMP/unknown-key.yaml", "--weights", "$TMP/w.safetensors"],
            .failure("$TMP/unknown-key.yaml:2 optimizer.lrr: unknown key (did you mean 'lr'?)")
        ),
        (
            ["evaluate", "--config", "$TMP/missing.yaml", "--weights", "$TMP/w.safetensors"],
            .failure("$TMP/missing.yaml: no such configuration file")
        ),
        (
            ["evaluate", "--model", "mlp", "--weights", "$TMP/w.safetensors", "--dataset", "shapes"],
            .failure("$TMP/w.safetensors: cannot open: No such file or directory")
        ),
    ])
    func badInput(arguments: [String], expected: CommandOutcome) throws {
        let folder = TemporaryFolder.make("evaluate")
        try Data("optimizer:\n  lrr: 0.1\n".utf8).write(to: folder.appendingPathComponent("unknown-key.yaml"))
        #expect(CommandOutcome.of(arguments, inFolder: folder) == expected.inFolder(folder))
    }

    @Test func aFinishedRunEvaluates() throws {
        let run = try TinyRuns.regression.get().run
        #expect(CommandOutcome.of(["evaluate", "--run", run.path, "--split", "validation"]) == .success)
    }
}
