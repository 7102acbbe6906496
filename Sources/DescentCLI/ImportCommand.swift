import ArgumentParser
import Descent
import DescentONNX
import DescentTrain
import Foundation

/// `descent import`: reads an ONNX file into a Descent model, prints its layers, and writes its weights or its
/// predictions for a file of samples.
struct ImportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Read an ONNX model: its layers and metadata; optionally save its weights or predict with it.",
        discussion: """
            Reads the operators that descent export writes and their PyTorch forms (Conv, ConvTranspose, Gemm, \
            MatMul, BatchNormalization, LayerNormalization, pooling, Flatten, Reshape, the activations, Gelu, \
            Softmax, LogSoftmax, Dropout, Add, Sub, Mul, Div). --weights writes the state dict as safetensors (a \
            model exported by Descent keeps its keys, so descent evaluate --model NAME --weights FILE reads it); \
            --predict runs the model on an IDX, NPY or CSV file (pixels scaled to [0, 1], as descent predict) and \
            writes index,class,probability rows.
            """
    )

    @Argument(help: "The ONNX file.")
    var file: String

    @Option(help: "Write the model's parameters and buffers to this safetensors file.")
    var weights: String?

    @Option(help: "Predict the class of each sample of this IDX, NPY or CSV file.")
    var predict: String?

    @Option(help: "With --predict: write the predictions to this CSV file instead of standard output.")
    var output: String?

    func run() throws {
        let imported = try ONNXImport.read(contentsOf: URL(fileURLWithPath: file))
        let model = imported.model
        let log = { (line: String) in FileHandle.standardError.write(Data((line + "\n").utf8)) }
        log(
            "descent import: \(file) (\(imported.producer.isEmpty ? "unknown producer" : imported.producer)): "
                + "input [batch, \(imported.inputShape.map(String.init).joined(separator: ", "))], "
                + "output [batch, \(imported.outputShape.map(String.init).joined(separator: ", "))], "
                + "\(model.nodeCount) nodes, \(model.parameterCount) parameters"
                + (imported.classNames.map { "; classes: \($0.joined(separator: ", "))" } ?? ""))
        if predict == nil { print(try ModelSummary(model, inputShape: imported.inputShape).table) }
        if let weights {
            try model.saveWeights(to: URL(fileURLWithPath: weights))
            log("wrote \(weights) (\(model.stateEntries().count) tensors)")
        }
        guard let predict else { return }
        let inputs = try PredictionInputs.read(predict, rawPixels: false, dropColumn: nil)
        let count = inputs.tensor.shape[0]
        guard inputs.tensor.count == count * Shape.count(imported.inputShape) else {
            throw DescentError(
                .shape, predict,
                "holds samples of shape \(Array(inputs.tensor.shape.dropFirst())); the model expects \(imported.inputShape)"
            )
        }
        model.eval()
        var rows = ["index,class,probability"]
        withNoGrad {
            for start in stride(from: 0, to: count, by: 256) {
                let end = min(start + 256, count)
                let y = model(inputs.tensor[start..<end].reshaped([end - start] + imported.inputShape))
                let c = y.count / (end - start)
                let p = y.softmax(axis: 1).scalars
                for i in 0..<(end - start) {
                    let row = p[(i * c)..<((i + 1) * c)]
                    let best = row.indices.max { row[$0] < row[$1] || (row[$0] == row[$1] && $0 > $1) }!
                    rows.append("\(start + i),\(best - i * c),\(String(format: "%.6f", row[best]))")
                }
            }
        }
        let text = rows.joined(separator: "\n") + "\n"
        if let output {
            try AtomicFile.write(Data(text.utf8), to: URL(fileURLWithPath: output))
            log("wrote \(output) (\(count) predictions)")
        } else {
            print(text, terminator: "")
        }
    }
}
