import Descent
import DescentData
import Foundation
import SwiftProtobuf
import Testing

@testable import DescentONNX

/// The ``Seq2Seq`` export: one graph, the encoder then greedy decoding in a `Loop` (ONNX Runtime runs it in
/// `Tests/Fixtures/check_onnx_export.py`, from the files ``writesReferenceFiles()`` writes).
@Suite struct ONNXSeq2SeqExportTests {
    /// A small model of `cell` with `layers` layers over 12 tokens, trained for 150 Adam steps to copy
    /// ``sources()`` (each source, then `<eos>`), in eval mode: its greedy decodings end at different steps, and
    /// those longer than ``maxLength`` not at all.
    static func model(_ cell: RecurrentCellKind, layers: Int) -> Seq2Seq {
        let model = Seq2Seq(
            sourceVocabulary: 12, targetVocabulary: 12, cell: cell, embeddingDim: 6, hiddenSize: 8,
            numLayers: layers, generator: RandomGenerator(seed: 20))
        let source = sources().scalars, (batch, width) = (6, 5), steps = width + 1
        var pairs = [Float](repeating: 0, count: batch * 2 * steps), targets = [Int](repeating: 0, count: batch * steps)
        for b in 0..<batch {
            let tokens = source[(b * width)..<((b + 1) * width)].filter { $0 != 0 }
            for (t, v) in tokens.enumerated() {
                pairs[b * 2 * steps + t] = v
                pairs[b * 2 * steps + steps + t] = v
                targets[b * steps + t] = Int(v)
            }
            pairs[b * 2 * steps + steps + tokens.count] = Float(Seq2Seq.endIndex)
            targets[b * steps + tokens.count] = Seq2Seq.endIndex
        }
        let x = Tensor(pairs, shape: [batch, 2, steps])
        let optimizer = Adam(model.parameters(), lr: 0.05)
        model.train()
        for _ in 0..<150 {
            model.zeroGrad()
            crossEntropy(model(x).reshaped([batch * steps, 12]), targets, ignoreIndex: Seq2Seq.padIndex).backward()
            optimizer.step()
        }
        model.eval()
        return model
    }

    /// The decoding length of the tests.
    static let maxLength = 4

    /// Six sources of lengths 5, 2, 4, 1, 5, 3 over tokens `4..<12`, right-padded with `<pad>`.
    static func sources() -> Tensor {
        let generator = RandomGenerator(seed: 7), lengths = [5, 2, 4, 1, 5, 3]
        let ids = lengths.flatMap { n in (0..<5).map { t in t < n ? Float(generator.integer(in: 4..<12)) : 0 } }
        return Tensor(ids, shape: [lengths.count, 5])
    }

    /// The cases of the reference files: a one-layer GRU and a two-layer LSTM.
    static let cases: [(String, RecurrentCellKind, Int)] = [("seq2seq-gru", .gru, 1), ("seq2seq-lstm-2", .lstm, 2)]

    @Test func theGraphEncodesThenDecodesInALoop() throws {
        let model = Self.model(.lstm, layers: 2)
        let options = ONNXExportOptions(maxDecodingLength: Self.maxLength)
        let proto = try Onnx_ModelProto(serializedBytes: try model.onnxData(inputShape: [5], options: options))
        #expect(proto.opsetImport.map(\.version) == [17])
        let input = proto.graph.input[0].type.tensorType
        #expect(input.elemType == Int32(Onnx_TensorProto.DataType.float.rawValue))
        #expect(input.shape.dim.map(\.dimParam) == ["batch", "sequence"])
        let output = proto.graph.output[0].type.tensorType
        #expect(output.elemType == Int32(Onnx_TensorProto.DataType.int64.rawValue))
        #expect(output.shape.dim.map(\.dimParam) == ["batch", "steps"])
        let ops = proto.graph.node.map(\.opType)
        #expect(ops.filter { $0 == "LSTM" }.count == 2)  // the encoder's layers
        let loop = try #require(proto.graph.node.first { $0.opType == "Loop" })
        // Trip count, condition, h and c of both layers, the previous token, the rows that ended.
        #expect(loop.input.count == 2 + 4 + 2)
        let trips = try #require(proto.graph.initializer.first { $0.name == loop.input[0] })
        #expect(trips.int64Data == [Int64(Self.maxLength)])
        let body = try #require(loop.attribute.first { $0.name == "body" }?.g)
        #expect(body.input.count == 2 + 4 + 2 && body.output.count == 1 + 4 + 3)
        #expect(Array(body.node.map(\.opType).prefix(2)) == ["Gather", "Unsqueeze"])
        #expect(body.node.filter { $0.opType == "LSTM" }.count == 2)
        #expect(body.node.map(\.opType).contains("ArgMax"))
        // Every node of the body reads its inputs, the model's initialisers or earlier nodes' outputs.
        var defined = Set(proto.graph.initializer.map(\.name) + body.input.map(\.name) + [""])
        for node in body.node {
            for name in node.input { #expect(defined.contains(name), "\(node.name) reads \(name) before it is made") }
            defined.formUnion(node.output)
        }
        #expect(body.output.allSatisfy { defined.contains($0.name) })
    }

    @Test func greedyTokenRowsFollowTheGraphsLayout() throws {
        let model = Self.model(.gru, layers: 1)
        let source = Self.sources()
        let rows = model.greedyTokenRows(source, maxLength: Self.maxLength)
        let decoded = withNoGrad { model.greedyDecode(source, maxLength: Self.maxLength) }
        #expect(Set(rows.map(\.count)).count == 1)
        for (row, tokens) in zip(rows, decoded) {
            #expect(Array(row.prefix(tokens.count)) == tokens)
            if tokens.count < Self.maxLength {
                #expect(row[tokens.count] == Seq2Seq.endIndex)
                #expect(row.dropFirst(tokens.count + 1).allSatisfy { $0 == Seq2Seq.padIndex })
            }
        }
        // The decodings end at different steps and one runs to the limit (the eos bias search found them).
        let lengths = rows.map { $0.firstIndex(of: Seq2Seq.endIndex) ?? Self.maxLength }
        #expect(Set(lengths).count >= 3 && lengths.contains(Self.maxLength))
    }

    @Test func importRefusesTheLoopNamingIt() throws {
        let data = try Self.model(.gru, layers: 1).onnxData(inputShape: [5])
        do {
            _ = try ONNXImport.read(data, source: "s.onnx")
            Issue.record("a graph with a Loop was imported")
        } catch let e as DescentError {
            #expect(e.location == "s.onnx: node 'decoder/Loop'")
            #expect(e.reason.hasPrefix("operator 'Loop' runs a subgraph"))
        }
    }

    /// Writes `model.onnx`, `input.npy` (the sources) and `output.npy` (Descent's greedy token rows, as float) per
    /// case into `$DESCENT_ONNX_REFERENCE_DIR` (for `Tests/Fixtures/check_onnx_export.py`), or a temporary folder.
    @Test func writesReferenceFiles() throws {
        let root =
            ProcessInfo.processInfo.environment["DESCENT_ONNX_REFERENCE_DIR"].map { URL(fileURLWithPath: $0) }
            ?? FileManager.default.temporaryDirectory.appendingPathComponent("descent-onnx-seq2seq-\(getpid())")
        for (name, cell, layers) in Self.cases {
            let model = Self.model(cell, layers: layers)
            let folder = root.appendingPathComponent(name)
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            try model.exportONNX(
                to: folder.appendingPathComponent("model.onnx"), inputShape: [5],
                options: ONNXExportOptions(maxDecodingLength: Self.maxLength))
            let source = Self.sources()
            let rows = model.greedyTokenRows(source, maxLength: Self.maxLength)
            let tokens = Tensor(rows.flatMap { $0.map(Float.init) }, shape: [rows.count, rows[0].count])
            try NPYArray.encode(source).write(to: folder.appendingPathComponent("input.npy"))
            try NPYArray.encode(tokens).write(to: folder.appendingPathComponent("output.npy"))
            #expect(
                try NPYArray(contentsOf: folder.appendingPathComponent("output.npy")).tensor().scalars == tokens.scalars
            )
        }
    }
}
