import Descent
import Foundation

/// The ONNX form of a ``Seq2Seq`` model: one graph that encodes the source and then decodes greedily in an ONNX
/// `Loop`, as ``Seq2Seq/greedyDecode(_:maxLength:)`` does.
///
/// The input is `[batch, sequence]` source token indices as float32 (right-padded with `<pad>`), both axes
/// symbolic. The encoder is `Cast` + `Gather` on `source_embedding.weight`, each source's length
/// `max(1, ReduceSum(Sign(ids)))` and one recurrent node per layer with `sequence_lens`; its final states start the
/// `Loop`. The loop runs at most ``ONNXExportOptions/maxDecodingLength`` times and carries each layer's state, the
/// previous token `[batch]` (int64, `<bos>` at first) and whether each row has produced `<eos>`; its body is
/// `Gather` of the previous token on `target_embedding.weight`, one step of each decoder layer from the carried
/// state, the head's `Gemm`, `ArgMax`, and the condition to go on: some row without `<eos>` yet. The output is
/// `[batch, steps]` int64 token ids: each row's greedy tokens, its `<eos>`, then `<pad>` (0) for the steps that
/// other rows still took; `steps` is the number of iterations, as in Descent's loop.
extension ONNXExporter {
    /// The `ModelProto` of `model`, decoding at most `maxLength` tokens.
    func seq2seqModel(_ model: Seq2Seq, maxLength: Int) throws -> Onnx_ModelProto {
        guard maxLength >= 1 else {
            throw DescentError(.argument, "Seq2Seq", "needs a decoding length of at least 1, got \(maxLength)")
        }
        let input = ONNXNames.input
        // Encoder: embedding, lengths, the recurrent layers; their final states start the decoder.
        let embedded = try embedding(model.sourceEmbedding, path: "source_embedding", ids: input)
        let lengths = sequenceLengths(input, path: "encoder")
        let (_, _, states) = recurrent(model.encoder, path: "encoder", input: embedded, lengths: lengths)

        // The first decoder input: <bos> for every row; no row has ended.
        let batchShape = graph.add(
            "Shape", "decoder.start", inputs: [input],
            attributes: [ONNXAttribute.int("start", 0), ONNXAttribute.int("end", 1)])
        let first = graph.add(
            "ConstantOfShape", "decoder.start", inputs: [batchShape],
            attributes: [ONNXAttribute.tensor("value", Self.int64Tensor([Int64(Seq2Seq.beginIndex)]))])
        let end = graph.int64Initializer("decoder.end_token", [Int64(Seq2Seq.endIndex)], scalar: true)
        let pad = graph.int64Initializer("decoder.pad_token", [Int64(Seq2Seq.padIndex)], scalar: true)
        let notDone = graph.add("Equal", "decoder.start", inputs: [first, end])
        let trips = graph.int64Initializer("decoder.max_length", [Int64(maxLength)], scalar: true)
        let keepGoing = graph.boolInitializer("decoder.keep_going", true)

        let body = decoderStep(model, states: states.count, end: end, pad: pad)
        let carried = states.flatMap { $0 }
        let loop = graph.add(
            "Loop", "decoder", inputs: [trips, keepGoing] + carried + [first, notDone],
            outputs: carried.count + 3, attributes: [ONNXAttribute.graph("body", body)])
        // The scan output [steps, batch] → [batch, steps].
        let tokens = graph.add(
            "Transpose", "decoder.tokens", inputs: [loop[loop.count - 1]],
            attributes: [ONNXAttribute.ints("perm", [1, 0])])

        var g = Onnx_GraphProto()
        g.name = options.graphName
        g.node = graph.nodes
        for i in g.node.indices where g.node[i].output == [tokens] { g.node[i].output = [ONNXNames.output] }
        g.initializer = graph.initializers
        g.input = [Self.valueInfo(ONNXNames.input, shape: [1], dynamicTime: true)]
        g.output = [Self.valueInfo(ONNXNames.output, type: .int64, dims: [.symbol(ONNXNames.batch), .symbol("steps")])]
        return try modelProto(g)
    }

    /// The `Loop` body: inputs the iteration, the condition, each decoder layer's state (`h`, and `c` for an
    /// LSTM, `[1, batch, H]`), the previous token `[batch]` and the rows that have ended; outputs the condition,
    /// the next states, the token, the rows that have ended, and the token emitted (`<pad>` for rows already
    /// ended).
    func decoderStep(_ model: Seq2Seq, states layers: Int, end: String, pad: String) -> Onnx_GraphProto {
        let start = graph.nodes.count
        let decoder = model.decoder, perLayer = decoder.kind.hasCellState ? 2 : 1
        let iteration = graph.uniqueName("decoder.iteration"), condition = graph.uniqueName("decoder.condition")
        let stateInputs = (0..<layers).flatMap { l in
            (0..<perLayer).map { k in graph.uniqueName("decoder.\(k == 0 ? "h" : "c")_l\(l)") }
        }
        let previous = graph.uniqueName("decoder.previous"), ended = graph.uniqueName("decoder.ended")

        let table = graph.initializer("target_embedding.weight", model.targetEmbedding.weight)
        let embedded = graph.add("Gather", "target_embedding", inputs: [table, previous])
        let timeAxis = graph.int64Initializer("decoder.time_axis", [0])
        var x = graph.add("Unsqueeze", "decoder", inputs: [embedded, timeAxis])  // [1, batch, E]
        let directionAxis = graph.int64Initializer("decoder.direction_axis", [1])
        var nextStates: [String] = [], lastH = ""
        for l in 0..<layers {
            let initial = Array(stateInputs[(l * perLayer)..<((l + 1) * perLayer)])
            let outputs = recurrentNode(
                decoder, path: "decoder", layer: l, input: x, lengths: nil, initialState: initial)
            nextStates += outputs.dropFirst()
            lastH = outputs[1]
            x = graph.add("Squeeze", "decoder", inputs: [outputs[0], directionAxis])  // [1, batch, H]
        }
        let h = graph.add("Squeeze", "decoder", inputs: [lastH, timeAxis])  // [batch, H]
        let w = graph.initializer("head.weight", model.head.weight)
        let b = model.head.bias.map { [graph.initializer("head.bias", $0)] } ?? []
        let logits = graph.add("Gemm", "head", inputs: [h, w] + b, attributes: [ONNXAttribute.int("transB", 1)])
        let token = graph.add(
            "ArgMax", "decoder", inputs: [logits],
            attributes: [ONNXAttribute.int("axis", 1), ONNXAttribute.int("keepdims", 0)])
        let emitted = graph.add("Where", "decoder", inputs: [ended, pad, token])
        let nowEnded = graph.add(
            "Or", "decoder", inputs: [ended, graph.add("Equal", "decoder", inputs: [token, end])])
        // Go on while some row has not ended: min over rows of ended (as 0/1) is 0.
        let endedCount = graph.add(
            "Cast", "decoder", inputs: [nowEnded], attributes: [ONNXAttribute.int("to", Self.int64Type)])
        let allEnded = graph.add(
            "ReduceMin", "decoder", inputs: [endedCount], attributes: [ONNXAttribute.int("keepdims", 0)])
        let goOn = graph.add("Equal", "decoder", inputs: [allEnded, pad])

        var body = Onnx_GraphProto()
        body.name = "decoder_step"
        body.node = graph.removeNodes(after: start)
        let float = Onnx_TensorProto.DataType.float, int64 = Onnx_TensorProto.DataType.int64
        let bool = Onnx_TensorProto.DataType.bool
        body.input =
            [Self.valueInfo(iteration, type: int64, dims: []), Self.valueInfo(condition, type: bool, dims: [])]
            + stateInputs.map { Self.valueInfo($0, type: float, dims: nil) }
            + [Self.valueInfo(previous, type: int64, dims: nil), Self.valueInfo(ended, type: bool, dims: nil)]
        body.output =
            [Self.valueInfo(goOn, type: bool, dims: [])] + nextStates.map { Self.valueInfo($0, type: float, dims: nil) }
            + [
                Self.valueInfo(token, type: int64, dims: nil), Self.valueInfo(nowEnded, type: bool, dims: nil),
                Self.valueInfo(emitted, type: int64, dims: nil),
            ]
        return body
    }

    /// An int64 tensor value (an attribute's).
    static func int64Tensor(_ values: [Int64]) -> Onnx_TensorProto {
        var t = Onnx_TensorProto()
        t.dataType = Int32(Onnx_TensorProto.DataType.int64.rawValue)
        t.dims = [Int64(values.count)]
        t.int64Data = values
        return t
    }
}

extension Seq2Seq {
    /// Descent's greedy decoding of `source` `[batch, S]` in the layout of the exported graph's output: `[batch,
    /// steps]` token ids, each row's tokens, its `<eos>` if it came, then `<pad>`; `steps` is the number of decoding
    /// steps Descent took (``Seq2Seq/greedyDecode(_:maxLength:)`` stops once every row has ended).
    public func greedyTokenRows(_ source: Tensor, maxLength: Int) -> [[Int]] {
        let rows = withNoGrad { greedyDecode(source, maxLength: maxLength) }
        let ended = rows.map { $0.count < maxLength }
        let steps = ended.allSatisfy { $0 } ? rows.map(\.count).max()! + 1 : maxLength
        return zip(rows, ended).map { tokens, ended in
            let row = tokens + (ended ? [Seq2Seq.endIndex] : [])
            return row + Array(repeating: Seq2Seq.padIndex, count: steps - row.count)
        }
    }
}
