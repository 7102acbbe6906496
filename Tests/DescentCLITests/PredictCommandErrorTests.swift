import Foundation
import Testing

/// `descent predict` stops with one line for a bad combination of options, an unknown model, missing or
/// unreadable input files and inputs whose shape the model does not take. `$TMP` stands for a fresh temporary
/// folder holding `five.csv` (five columns, no header), `unknown-key.yaml` and `text.npy` (not an NPY file);
/// `$RUN` for a finished run of an MLP on three CSV features.
@Suite struct PredictCommandErrorTests {
    static let models = SummaryCommandErrorTests.models

    @Test(arguments: [
        (["predict"], CommandOutcome.usage("Missing expected argument '<input>'")),
        (["predict", "x.csv"], .usage("give exactly one of --run, --config or --model")),
        (
            ["predict", "x.csv", "--run", "$RUN", "--model", "mlp", "--weights", "w.safetensors"],
            .usage("give exactly one of --run, --config or --model")
        ),
        (
            ["predict", "x.csv", "--model", "nope", "--weights", "w.safetensors"],
            .usage("--model: unknown model 'nope' (available: \(models))")
        ),
        (["predict", "x.csv", "--model", "mlp"], .usage("--model and --config need --weights FILE")),
        (["predict", "x.csv", "--run", "$RUN", "--top", "0"], .usage("--top must be at least 1, got 0")),
        (
            ["predict", "x.csv", "--model", "mlp", "--weights", "w.safetensors", "--classes", "0"],
            .usage("--classes must be at least 1, got 0")
        ),
        (
            ["predict", "x.csv", "--run", "$RUN", "--output", "out.txt"],
            .usage("--output must end in .csv or .json, got 'out.txt'")
        ),
        (
            ["predict", "x.csv", "--run", "$RUN", "--normalize", "0,0"],
            .usage("--normalize needs 'none' or mean,std pairs with positive std, got '0,0'")
        ),
        (["predict", "$TMP/missing.npy", "--run", "$RUN"], .failure("$TMP/missing.npy: no such file")),
        (
            ["predict", "$TMP/text.npy", "--run", "$RUN"],
            .failure("$TMP/text.npy: bad NPY magic string (expected \\x93NUMPY at the start of the file)")
        ),
        (["predict", "$TMP/missing.csv", "--run", "$RUN"], .failure("$TMP/missing.csv: no such file")),
        (
            ["predict", "$TMP/t10k-images-idx3-ubyte.gz", "--run", "$RUN"],
            .failure("$TMP/t10k-images-idx3-ubyte.gz: no such file")
        ),
        (
            ["predict", "$TMP/five.csv", "--run", "$RUN"],
            .failure("$TMP/five.csv: holds samples of shape [5]; the model expects [3]")
        ),
        (
            ["predict", "$TMP/five.csv", "--run", "$RUN", "--drop-column", "x1"],
            .failure("--drop-column: $TMP/five.csv has no header column 'x1'")
        ),
        (
            ["predict", "$TMP/five.csv", "--run", "$RUN", "--weights", "$TMP/w.safetensors"],
            .failure("$TMP/w.safetensors: cannot open: No such file or directory")
        ),
        (
            ["predict", "$TMP/five.csv", "--model", "mlp", "--weights", "$TMP/w.safetensors"],
            .failure("$TMP/w.safetensors: cannot open: No such file or directory")
        ),
        (
            ["predict", "$TMP/five.csv", "--config", "$TMP/unknown-key.yaml", "--weights", "$TMP/w.safetensors"],
            .failure("$TMP/unknown-key.yaml:2 optimizer.lrr: unknown key (did you mean 'lr'?)")
        ),
    ])
    func badInput(arguments: [String], expected: CommandOutcome) throws {
        let folder = TemporaryFolder.make("predict")
        try Data("1,2,3,4,5\n6,7,8,9,10\n".utf8).write(to: folder.appendingPathComponent("five.csv"))
        try Data("optimizer:\n  lrr: 0.1\n".utf8).write(to: folder.appendingPathComponent("unknown-key.yaml"))
        try Data("x1,x2,x3\n".utf8).write(to: folder.appendingPathComponent("text.npy"))
        let run = try TinyRuns.regression.get().run.path
        let resolved = arguments.map { $0.replacingOccurrences(of: "$RUN", with: run) }
        #expect(CommandOutcome.of(resolved, inFolder: folder) == expected.inFolder(folder))
    }
}
