import ArgumentParser
import Descent
import DescentData
import DescentTrain
import Foundation

/// `descent predict`: classes and probabilities (or regression outputs) of a trained model for the samples of
/// an IDX, NPY or CSV file, or for the texts of a text file or table (runs trained on `dataset: text`).
struct PredictCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "predict",
        abstract:
            "Predict classes and probabilities (or regression outputs) for the samples of an IDX, NPY or CSV file, or for texts.",
        discussion: """
            The model is a run folder of descent train (--run DIR: its preprocessing is applied, and a CSV file \
            with a header gives the run's feature columns by name), or a zoo model or config with --weights. \
            A run trained on texts (dataset text) reads a text file (one text per line) or the text column of a \
            CSV/TSV table (the run's text_column, or --text-column), tokenized with the run's tokenizer.json. \
            Output: CSV on standard output, or --output FILE (.csv or .json).
            """
    )

    @Argument(
        help:
            "Input samples: an IDX file (e.g. t10k-images-idx3-ubyte.gz), a .npy array [N, …] or a CSV file (one sample per row); for a text run, a text file (one text per line) or a CSV/TSV table; for a spell-numbers run, a text file of numbers (one per line)."
    )
    var input: String

    @Option(
        name: .customLong("run"),
        help: "A run folder written by descent train (config.yaml, run.json, model.safetensors).")
    var runFolder: String?

    @Option(help: "A config file describing the model (with --weights).")
    var config: String?

    @Option(
        help:
            "Zoo model (with its default options): \(ModelConfig.Zoo.allCases.map(\.rawValue).joined(separator: ", ")) (with --weights)."
    )
    var model: String?

    @Option(help: "Safetensors weights (default with --run: the run's model.safetensors).")
    var weights: String?

    @Option(help: "With --model or --config: number of classes (outputs) of the model.")
    var classes: Int = 10

    @Option(
        help:
            "Normalisation after scaling: 'none' or per-channel mean,std pairs (default: the run's own; none for --model/--config)."
    )
    var normalize: String?

    @Flag(help: "Take uint8 inputs as they are instead of scaling them by 1/255 to [0, 1].")
    var rawPixels = false

    @Option(
        help:
            "CSV input: a header column to leave out (such as the label; with --run the run's feature columns are taken by name)."
    )
    var dropColumn: String?

    @Option(help: "Text run, CSV/TSV input: the column of the texts (default: the run's data.text_column).")
    var textColumn: String?

    @Option(help: "How many of the most likely classes to list per sample.")
    var top: Int = 1

    @Flag(help: "List the probability of every class.")
    var probabilities = false

    @Option(help: "Write the predictions to this file (.csv or .json) instead of standard output.")
    var output: String?

    func validate() throws {
        guard [runFolder, config, model].compactMap({ $0 }).count == 1 else {
            throw ValidationError("give exactly one of --run, --config or --model")
        }
        if model != nil || config != nil, weights == nil {
            throw ValidationError("--model and --config need --weights FILE")
        }
        if let model { _ = try SummaryCommand.zoo(model) }
        guard top >= 1 else { throw ValidationError("--top must be at least 1, got \(top)") }
        guard classes >= 1 else { throw ValidationError("--classes must be at least 1, got \(classes)") }
        if let output, !(output.hasSuffix(".csv") || output.hasSuffix(".json")) {
            throw ValidationError("--output must end in .csv or .json, got '\(output)'")
        }
        if let normalize { _ = try NormalizationOption.parse(normalize) }
    }

    func run() throws {
        var runConfig: (folder: URL, manifest: RunManifest, config: TrainingConfig)?
        if let runFolder {
            let run = RunFolder(runFolder)
            try run.requireFinished(option: "--run", manifest: true, weights: weights == nil)
            runConfig = (
                run.directory, try RunManifest.read(from: run.directory),
                try TrainingConfig.load(contentsOf: run.directory.appendingPathComponent("config.yaml"))
            )
        }
        if let runConfig, runConfig.config.data.dataset == .text {
            return try predictTexts(runConfig.folder, runConfig.manifest, runConfig.config)
        }
        if let runConfig, runConfig.config.data.dataset == .spellNumbers {
            let weightsURL =
                weights.map { URL(fileURLWithPath: $0) } ?? runConfig.folder.appendingPathComponent("model.safetensors")
            return try write(
                render(
                    SpellNumbersPrediction.predict(
                        input: input, folder: runConfig.folder, config: runConfig.config, weights: weightsURL)))
        }
        if let textColumn {
            throw DescentError(
                .argument, "--text-column \(textColumn)", "only reads texts for a run trained on texts (dataset text)")
        }
        if TextPredictionInputs.isText(input) && !input.lowercased().hasSuffix(".csv") {
            let trained = runConfig.map { "--run \(runFolder ?? "") was trained on \($0.config.data.dataset.rawValue)" }
            throw DescentError(
                .argument, input,
                "holds texts, which only a run trained on texts (dataset text) reads; "
                    + (trained ?? "give --run with such a run"))
        }
        let inputs = try PredictionInputs.read(
            input, rawPixels: rawPixels, dropColumn: dropColumn,
            runColumns: runConfig?.config.data.csv.map(RunCSVColumns.init))
        let sampleShape = Array(inputs.tensor.shape.dropFirst())
        let net: Module, inputShape: [Int], isClassifier: Bool
        var normalization = try normalize.flatMap { try NormalizationOption.parse($0) }
        var described = inputs.scaling
        if let runConfig {
            let (folder, manifest, trainingConfig) = runConfig
            net = try trainingConfig.model.makeModel(inputShape: manifest.inputShape, classes: manifest.outputs)
            try net.loadWeights(
                from: weights.map { URL(fileURLWithPath: $0) } ?? folder.appendingPathComponent("model.safetensors"))
            inputShape = manifest.inputShape
            isClassifier = manifest.classes != nil
            if normalize == nil, let mean = manifest.normalizeMean, let std = manifest.normalizeStd {
                normalization = Normalize(mean: mean, std: std)
            }
        } else if let model {
            let zoo = try SummaryCommand.zoo(model)
            net = try SummaryCommand.build(zoo, inputShape: zoo.defaultInput, classes: classes)
            try net.loadWeights(from: URL(fileURLWithPath: weights!))
            inputShape = zoo.defaultInput
            isClassifier = true
        } else {
            let trainingConfig = try TrainingConfig.load(contentsOf: URL(fileURLWithPath: config!))
            net = try trainingConfig.model.makeModel(inputShape: sampleShape, classes: classes)
            try net.loadWeights(from: URL(fileURLWithPath: weights!))
            inputShape = sampleShape
            isClassifier = trainingConfig.loss.kind.needsClassLabels
        }
        guard Shape.count(sampleShape) == Shape.count(inputShape) else {
            throw DescentError(.shape, input, "holds samples of shape \(sampleShape); the model expects \(inputShape)")
        }
        if let n = normalization { described += ", then (x − \(n.mean)) / \(n.std) per channel" }
        FileHandle.standardError.write(
            Data("descent predict: \(inputs.tensor.shape[0]) samples from \(input); preprocessing: \(described)\n".utf8)
        )

        let count = inputs.tensor.shape[0]
        var outputs: [Tensor] = []
        net.eval()
        try withNoGrad {
            for start in stride(from: 0, to: count, by: 256) {
                let end = min(start + 256, count)
                var x = inputs.tensor[start..<end].reshaped([end - start] + inputShape)
                if let normalization {
                    x = try Tensor.stack(
                        (0..<(end - start)).map { i in
                            try normalization(Sample(input: x[i], target: .classIndex(0)), generator: .default).input
                        })
                }
                let y = net(x)
                outputs.append(isClassifier ? y.softmax(axis: 1) : y)
            }
        }
        let result = Tensor.concatenate(outputs, axis: 0)
        try write(isClassifier ? classification(result) : regression(result))
    }

    /// Classes and probabilities for the texts of `input`, with a text run's tokenizer, model and weights.
    func predictTexts(_ folder: URL, _ manifest: RunManifest, _ config: TrainingConfig) throws {
        for (option, given) in [
            ("--normalize", normalize != nil), ("--raw-pixels", rawPixels), ("--drop-column", dropColumn != nil),
        ]
        where given {
            throw DescentError(
                .argument, option, "does not apply to texts (--run \(runFolder ?? "") was trained on texts)")
        }
        let encoder = try TextEncoder(contentsOf: folder)
        let inputs = try TextPredictionInputs.read(
            input, column: textColumn ?? config.data.text?.textColumn ?? "text", encoder: encoder,
            maxLength: config.data.text?.maxLength)
        let net = try config.model.makeModel(
            inputShape: manifest.inputShape, classes: manifest.outputs, vocabularySize: encoder.vocabulary.count)
        try net.loadWeights(
            from: weights.map { URL(fileURLWithPath: $0) } ?? folder.appendingPathComponent("model.safetensors"))
        FileHandle.standardError.write(
            Data(
                "descent predict: \(inputs.sequences.count) texts from \(input); preprocessing: \(inputs.description)\n"
                    .utf8))
        var rows = [Tensor?](repeating: nil, count: inputs.sequences.count)
        net.eval()
        withNoGrad {
            for (indices, tokens) in inputs.batches(of: 256) {
                let p = net(tokens).softmax(axis: 1)
                for (row, i) in indices.enumerated() { rows[i] = p[row] }
            }
        }
        try write(classification(Tensor.stack(rows.map { $0! })))
    }

    /// Writes `text` to `--output`, or to standard output.
    func write(_ text: String) throws {
        if let output {
            try AtomicFile.write(Data(text.utf8), to: URL(fileURLWithPath: output))
            FileHandle.standardError.write(Data("wrote \(output)\n".utf8))
        } else {
            print(text, terminator: "")
        }
    }

    /// Rows of the top classes and probabilities (CSV or JSON by `output`'s extension).
    func classification(_ p: Tensor) -> String {
        let n = p.shape[0], c = p.shape[1], k = min(top, c)
        let values = p.scalars
        var rows: [[(String, String)]] = []
        for i in 0..<n {
            let row = Array(values[i * c..<(i + 1) * c])
            let order = row.indices.sorted { row[$0] > row[$1] || (row[$0] == row[$1] && $0 < $1) }
            var fields: [(String, String)] = [("index", "\(i)")]
            for r in 0..<k {
                let suffix = r == 0 ? "" : "_\(r + 1)"
                fields.append(("class" + suffix, "\(order[r])"))
                fields.append(("probability" + suffix, String(format: "%.6f", row[order[r]])))
            }
            if probabilities { fields += row.indices.map { ("p\($0)", String(format: "%.6f", row[$0])) } }
            rows.append(fields)
        }
        return render(rows)
    }

    /// Rows of regression outputs.
    func regression(_ y: Tensor) -> String {
        let n = y.shape[0], m = y.count / max(n, 1)
        let values = y.scalars
        return render(
            (0..<n).map { i in
                [("index", "\(i)")] + (0..<m).map { j in (m == 1 ? "output" : "output_\(j)", "\(values[i * m + j])") }
            })
    }

    func render(_ rows: [[(String, String)]]) -> String {
        if output?.hasSuffix(".json") == true {
            let objects = rows.map { "{" + $0.map { "\"\($0.0)\":\($0.1)" }.joined(separator: ",") + "}" }
            return "[\n" + objects.joined(separator: ",\n") + "\n]\n"
        }
        guard let first = rows.first else { return "" }
        return ([first.map(\.0).joined(separator: ",")] + rows.map { $0.map(\.1).joined(separator: ",") })
            .joined(separator: "\n") + "\n"
    }
}
