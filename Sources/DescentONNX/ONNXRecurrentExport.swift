import Descent

/// The ONNX form of embeddings and recurrent networks: `Gather` on the embedding matrix, and per layer one ONNX
/// `LSTM`, `GRU` or `RNN` node (both directions in one node) with PyTorch's gate blocks reordered to ONNX's
/// (LSTM `i, f, g, o` → `i, o, f, c`; GRU `r, z, n` → `z, r, h` with `linear_before_reset = 1`, PyTorch's GRU) and
/// the biases joined as `B = [b_ih, b_hh]`. Padded batches pass their lengths as `sequence_lens`, so that ONNX
/// Runtime, like ``RecurrentLayer/forward(_:initialState:lengths:)``, stops each sequence at its length.
extension ONNXExporter {
    /// `Cast` of float token indices `[batch, T]` to int64, then `Gather` on `embedding.weight`: `[batch, T, E]`.
    func embedding(_ embedding: Embedding, path: String, ids: String) throws -> String {
        guard embedding.maxNorm == nil else {
            throw DescentError(
                .argument, "\(path) (Embedding)", "has no ONNX export with max_norm (it renormalises rows as it reads)")
        }
        let weight = graph.initializer("\(path).weight", embedding.weight)
        let indices = graph.add(
            "Cast", path, inputs: [ids], attributes: [ONNXAttribute.int("to", Self.int64Type)])
        return graph.add("Gather", path, inputs: [weight, indices], attributes: [ONNXAttribute.int("axis", 0)])
    }

    /// The length of each row of token indices `[batch, T]` as `int32 [batch]`: its non-zero (non-`<pad>`) entries,
    /// at least 1 — `max(1, Σₜ sign(idsₜ))`, as ``SequenceClassifier/lengths(of:)`` counts them.
    func sequenceLengths(_ ids: String, path: String) -> String {
        let mask = graph.add("Sign", path, inputs: [ids])
        let axes = graph.int64Initializer("\(path).lengths_axes", [1])
        let count = graph.add(
            "ReduceSum", path, inputs: [mask, axes], attributes: [ONNXAttribute.int("keepdims", 0)])
        let one = graph.initializer("\(path).lengths_minimum", values: [1], shape: [])
        let atLeastOne = graph.add("Max", path, inputs: [count, one])
        return graph.add("Cast", path, inputs: [atLeastOne], attributes: [ONNXAttribute.int("to", Self.int32Type)])
    }

    /// The nodes of `layer` on a batch-first input `[batch, T, inputSize]` with optional `int32 [batch]` lengths:
    /// the output sequence `[batch, T, D·H]`, the last layer's final `h` with both directions joined `[batch, D·H]`,
    /// and each layer's final state as ONNX gives it (`Y_h`, and `Y_c` for an LSTM, `[D, batch, H]`).
    /// With `timeMajor`, the input is already `[T, batch, inputSize]` (and so is the output sequence).
    func recurrent(_ layer: RecurrentLayer, path: String, input: String, lengths: String?, timeMajor: Bool = false)
        -> (sequence: String, last: String, states: [[String]])
    {
        // ONNX's recurrent operators read [T, batch, features] (layout 0, which every runtime implements).
        var x =
            timeMajor
            ? input
            : graph.add("Transpose", path, inputs: [input], attributes: [ONNXAttribute.ints("perm", [1, 0, 2])])
        var last = "", states: [[String]] = []
        for l in 0..<layer.numLayers {
            let outputs = recurrentNode(layer, path: path, layer: l, input: x, lengths: lengths, initialState: [])
            states.append(Array(outputs.dropFirst()))
            // Y [T, D, batch, H] → [T, batch, D·H] for the next layer; Y_h [D, batch, H] → [batch, D·H].
            let y = graph.add(
                "Transpose", path, inputs: [outputs[0]], attributes: [ONNXAttribute.ints("perm", [0, 2, 1, 3])])
            x = graph.add("Reshape", path, inputs: [y, graph.int64Initializer("\(path).shape_l\(l)", [0, 0, -1])])
            let hn = graph.add(
                "Transpose", path, inputs: [outputs[1]], attributes: [ONNXAttribute.ints("perm", [1, 0, 2])])
            last = graph.add("Reshape", path, inputs: [hn, graph.int64Initializer("\(path).last_l\(l)", [0, -1])])
        }
        if timeMajor { return (x, last, states) }
        let sequence = graph.add(
            "Transpose", path, inputs: [x], attributes: [ONNXAttribute.ints("perm", [1, 0, 2])])
        return (sequence, last, states)
    }

    /// The ONNX `LSTM`, `GRU` or `RNN` node of layer `l` of `layer` on a time-major input `[T, batch, features]`,
    /// with optional lengths and initial state (`initial_h`, and `initial_c` for an LSTM, `[D, batch, H]`; empty:
    /// zeros). Its weights are initialisers `path.W_l`, `R_l`, `B_l` in ONNX's gate order. Returns the outputs `Y`,
    /// `Y_h` and, for an LSTM, `Y_c`.
    func recurrentNode(
        _ layer: RecurrentLayer, path: String, layer l: Int, input x: String, lengths: String?,
        initialState: [String]
    ) -> [String] {
        let d = layer.directions, h = layer.hiddenSize
        let state = Dictionary(uniqueKeysWithValues: layer.namedParameters())
        let suffixes = layer.bidirectional ? ["", "_reverse"] : [""]
        func stacked(_ name: String) -> [Float] {
            suffixes.flatMap { Self.onnxGateOrder(state["\(name)_l\(l)\($0)"]!, kind: layer.kind, hidden: h) }
        }
        let inputSize = l == 0 ? layer.inputSize : d * h, rows = layer.kind.gates * h
        let w = graph.initializer("\(path).W_l\(l)", values: stacked("weight_ih"), shape: [d, rows, inputSize])
        let r = graph.initializer("\(path).R_l\(l)", values: stacked("weight_hh"), shape: [d, rows, h])
        var inputs = [x, w, r]
        if layer.hasBias {
            let b = suffixes.flatMap { suffix in
                ["bias_ih", "bias_hh"].flatMap {
                    Self.onnxGateOrder(state["\($0)_l\(l)\(suffix)"]!, kind: layer.kind, hidden: h)
                }
            }
            inputs.append(graph.initializer("\(path).B_l\(l)", values: b, shape: [d, 2 * rows]))
        } else {
            inputs.append("")
        }
        inputs.append(lengths ?? "")
        inputs += initialState
        var attributes = [
            ONNXAttribute.int("hidden_size", h),
            ONNXAttribute.string("direction", layer.bidirectional ? "bidirectional" : "forward"),
        ]
        switch layer.kind {
        case .gru: attributes.append(ONNXAttribute.int("linear_before_reset", 1))
        case .rnnTanh: attributes.append(ONNXAttribute.strings("activations", Array(repeating: "Tanh", count: d)))
        case .rnnReLU: attributes.append(ONNXAttribute.strings("activations", Array(repeating: "Relu", count: d)))
        case .lstm: break
        }
        return graph.add(
            Self.onnxOperator(layer.kind), "\(path).l\(l)", inputs: inputs,
            outputs: layer.kind.hasCellState ? 3 : 2, attributes: attributes)
    }

    /// A ``FrameSequenceClassifier`` on `[batch, 1, features, T]` (or `[batch, features, T]`): the spectrogram's
    /// columns as time steps (`Reshape` to `[batch, features, T]`, `Transpose` to `[T, batch, features]`), the
    /// recurrent layers, and the head's `Gemm` on the last layer's final state.
    func frameSequenceClassifier(
        _ model: FrameSequenceClassifier, key: (String) -> String, input: String, shape: [Int]
    ) -> String {
        var x = input
        if shape.count == 4 {
            x = graph.add(
                "Reshape", key("frames"),
                inputs: [x, graph.int64Initializer(key("frames.shape"), [0, Int64(model.features), -1])])
        }
        x = graph.add("Transpose", key("frames"), inputs: [x], attributes: [ONNXAttribute.ints("perm", [2, 0, 1])])
        let (_, last, _) = recurrent(model.recurrent, path: key("recurrent"), input: x, lengths: nil, timeMajor: true)
        let head = model.head
        let w = graph.initializer(key("head.weight"), head.weight)
        let b = head.bias.map { [graph.initializer(key("head.bias"), $0)] } ?? []
        return graph.add("Gemm", key("head"), inputs: [last, w] + b, attributes: [ONNXAttribute.int("transB", 1)])
    }

    /// A ``SequenceClassifier``: embedding, lengths, the recurrent layers and the linear head on the final state
    /// (dropout is the identity in eval form).
    func sequenceClassifier(_ model: SequenceClassifier, path: String, key: (String) -> String, ids: String) throws
        -> String
    {
        let embedded = try embedding(model.embedding, path: key("embedding"), ids: ids)
        let lengths = sequenceLengths(ids, path: key("recurrent"))
        let (_, last, _) = recurrent(model.recurrent, path: key("recurrent"), input: embedded, lengths: lengths)
        let head = model.head
        let w = graph.initializer(key("head.weight"), head.weight)
        let b = head.bias.map { [graph.initializer(key("head.bias"), $0)] } ?? []
        return graph.add("Gemm", key("head"), inputs: [last, w] + b, attributes: [ONNXAttribute.int("transB", 1)])
    }

    /// An ``RNNLanguageModel``: embedding, the recurrent layers over every step (no padding in a language model's
    /// windows) and the decoder at every step (`MatMul` and `Add`): logits `[batch, sequence, V]` (dropout is the
    /// identity in eval form).
    func languageModel(_ model: RNNLanguageModel, key: (String) -> String, ids: String, shape: [Int]) throws
        -> String
    {
        let embedded = try embedding(model.encoder, path: key("encoder"), ids: ids)
        let (sequence, _, _) = recurrent(model.rnn, path: key("rnn"), input: embedded, lengths: nil)
        let (y, _) = try emit(
            model.decoder, path: key("decoder"), input: sequence, shape: shape + [model.rnn.hiddenSize])
        return y
    }

    /// ONNX's operator for a cell kind.
    static func onnxOperator(_ kind: RecurrentCellKind) -> String {
        switch kind {
        case .lstm: return "LSTM"
        case .gru: return "GRU"
        case .rnnTanh, .rnnReLU: return "RNN"
        }
    }

    /// The gate blocks of a PyTorch weight or bias (`[G·H, …]` or `[G·H]`) in ONNX's order, as flat values.
    static func onnxGateOrder(_ t: Tensor, kind: RecurrentCellKind, hidden: Int) -> [Float] {
        let order: [Int]
        switch kind {
        case .lstm: order = [0, 3, 1, 2]  // i, f, g, o → i, o, f, c
        case .gru: order = [1, 0, 2]  // r, z, n → z, r, h
        case .rnnTanh, .rnnReLU: order = [0]
        }
        let values = t.scalars, block = hidden * (t.rank == 2 ? t.shape[1] : 1)
        return order.flatMap { values[($0 * block)..<(($0 + 1) * block)] }
    }

    /// ONNX's `TensorProto.DataType` of int64 and int32 (for `Cast`).
    static let int64Type = 7
    static let int32Type = 6
}
