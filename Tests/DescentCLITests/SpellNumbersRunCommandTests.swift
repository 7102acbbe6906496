import Foundation
import Testing

@testable import Descent
@testable import DescentData
@testable import DescentONNX
@testable import DescentTrain

/// Commands on a spell-numbers run: `evaluate --run` prints the exact match, `predict --run` spells the numbers of a
/// text file by greedy decoding (as the model decodes them itself) and names the line of a bad one; `export` writes
/// the encoder and the greedy decoder in one ONNX graph (a `Loop`), which `import` refuses naming the loop.
@Suite struct SpellNumbersRunCommandTests {
    @Test func evaluateAndPredictReadTheRun() throws {
        let folder = TemporaryFolder.make("spell-run")
        let config = try TrainingConfig.parse(
            yaml: """
                seed: 4
                data: {dataset: spell-numbers, train_samples: 200, test_samples: 20, batch_size: 32}
                model: {name: seq2seq, embedding_dim: 8, hidden: 16}
                optimizer: {name: adam, lr: 0.01}
                training: {epochs: 1}
                """)
        var run = TrainingRun(config: config, directory: folder.appendingPathComponent("run"))
        run.write = { _ in }
        _ = try run.start()
        #expect(CommandOutcome.of(["evaluate", "--run", "$TMP/run"], inFolder: folder) == .success)

        try Data("5\n\n40213\n007\n".utf8).write(to: folder.appendingPathComponent("numbers.txt"))
        #expect(
            CommandOutcome.of(
                ["predict", "$TMP/numbers.txt", "--run", "$TMP/run", "--output", "$TMP/p.csv"], inFolder: folder)
                == .success)
        let csv = try String(contentsOf: folder.appendingPathComponent("p.csv"), encoding: .utf8)
        let rows = csv.split(separator: "\n").map(String.init)
        #expect(rows.first == "index,input,prediction")
        // The run's model, decoding the same numbers itself.
        let setup = try config.makeSetup()
        try setup.model.loadWeights(from: folder.appendingPathComponent("run/model.safetensors"))
        let model = try #require(setup.model as? Seq2Seq)
        model.eval()
        let numbers = [5, 40_213, 7]
        for (k, n) in numbers.enumerated() {
            let ids = SpellNumbers.source(n)
            let decoded = model.greedyDecode(Tensor(ids.map(Float.init), shape: [1, ids.count]), maxLength: 10)[0]
            #expect(rows[k + 1] == "\(k),\"\(n)\",\"\(SpellNumbers.text(ofTarget: decoded))\"")
        }

        #expect(
            CommandOutcome.of(["export", "$TMP/run", "--output", "$TMP/s.onnx"], inFolder: folder) == .success)
        let proto = try Onnx_ModelProto(serializedBytes: try Data(contentsOf: folder.appendingPathComponent("s.onnx")))
        #expect(proto.graph.node.filter { $0.opType == "Loop" }.count == 1)
        let metadata = Dictionary(uniqueKeysWithValues: proto.metadataProps.map { ($0.key, $0.value) })
        #expect(metadata["max_length"] == "10")
        #expect(metadata["model"] == "seq2seq")
        let vocabulary = try JSONSerialization.jsonObject(with: Data(metadata["vocabulary"]!.utf8)) as? [String]
        #expect(vocabulary == (try TextEncoder(contentsOf: folder.appendingPathComponent("run"))).vocabulary.tokens)
        #expect(
            CommandOutcome.of(["import", "$TMP/s.onnx"], inFolder: folder)
                == CommandOutcome.failure(
                    "$TMP/s.onnx: node 'decoder/Loop': operator 'Loop' runs a subgraph (control flow, as a seq2seq "
                        + "export's greedy decoding loop), which is not imported; the graph must be straight-line"
                ).inFolder(folder))

        try Data("12\n12a\n".utf8).write(to: folder.appendingPathComponent("bad.txt"))
        #expect(
            CommandOutcome.of(["predict", "$TMP/bad.txt", "--run", "$TMP/run"], inFolder: folder)
                == CommandOutcome.failure("$TMP/bad.txt:2: '12a' is not a number from 0 to 999,999 in digits")
                .inFolder(folder))
    }
}
