import Foundation
import Testing

@testable import Descent

/// `Tests/DescentTests/Fixtures/recurrent.json`, written by `Tests/Fixtures/generate_recurrent.py` (PyTorch, float64
/// on float32-exact inputs).
struct RecurrentFixtures: Decodable {
    struct SequenceCase: Decodable {
        let kind: String
        let inputSize, hiddenSize: Int
        let numLayers: Int?
        let bias: Bool
        let batchFirst, bidirectional: Bool?
        let lengths: [Int]?
        let state: StateJSON
        let input, h0: FixtureTensor
        let c0: FixtureTensor?
        let probe: FixtureTensor?
        let probeH: FixtureTensor
        let probeC: FixtureTensor?
        let output: FixtureTensor?
        let hn: FixtureTensor
        let cn: FixtureTensor?
        let grads: [String: FixtureTensor]
    }
    struct EmbeddingCase: Decodable {
        let numEmbeddings, embeddingDim: Int
        let paddingIndex: Int?
        let maxNorm: Float?
        let state: StateJSON
        let indices: [Int]
        let shape: [Int]
        let output, probe, weightAfter, grad: FixtureTensor
    }
    struct Trained: Decodable {
        let input, sequence, prediction: FixtureTensor
    }
    let cases: [String: SequenceCase]
    let cells: [String: SequenceCase]
    let embeddings: [String: EmbeddingCase]
    let trained: Trained

    static let shared: Result<RecurrentFixtures, any Error> = Result { try loadFixture("recurrent.json") }
}

/// The tolerances of the recurrent parity suite: relative 1e-4 on forward values (outputs, final states) and 1e-3
/// on gradients, each element measured against `max(|expected|, 1e-3, 1% of the tensor's largest magnitude)` (the
/// references are exact float64 answers; float32 cancellation on near-zero elements is not a layer error).
enum RecurrentTolerance {
    static let forward: Float = 1e-4
    static let gradient: Float = 1e-3

    static func expect(
        _ actual: Tensor, _ expected: Tensor, rtol: Float, _ what: String,
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        expectClose(
            actual, expected, rtol: rtol, floor: Swift.max(1e-3, 1e-2 * largestMagnitude(expected)), what,
            sourceLocation: sourceLocation)
    }
}

/// The fixture's `kind` as Descent's cell kind.
private func cellKind(_ name: String) -> RecurrentCellKind {
    switch name {
    case "rnn_tanh": return .rnnTanh
    case "rnn_relu": return .rnnReLU
    case "lstm": return .lstm
    default: return .gru
    }
}

@Suite("Recurrent layers against PyTorch (forward rtol 1e-4, gradients rtol 1e-3)")
struct RecurrentParityTests {
    static let caseNames: [String] = {
        var names: [String] = []
        for kind in ["rnn_tanh", "rnn_relu", "lstm", "gru"] {
            for layers in [1, 2] {
                for bi in ["", "_bi"] {
                    for bf in ["", "_bf"] {
                        names.append("\(kind)_l\(layers)\(bi)\(bf)")
                        names.append("\(kind)_l\(layers)\(bi)\(bf)_lengths")
                    }
                }
            }
            names.append("\(kind)_nobias")
        }
        return names
    }()

    @Test(arguments: caseNames) func sequenceMatchesPyTorch(_ name: String) throws {
        let c = try #require(try RecurrentFixtures.shared.get().cases[name])
        let layer = RecurrentLayer(
            kind: cellKind(c.kind), inputSize: c.inputSize, hiddenSize: c.hiddenSize, numLayers: c.numLayers ?? 1,
            bias: c.bias, batchFirst: c.batchFirst ?? false, bidirectional: c.bidirectional ?? false)
        #expect(layer.stateEntries().map(\.key) == c.state.keys, "\(name): state-dict keys and order")
        try layer.load(stateDict: c.state.stateDict)
        let x = c.input.tensor.requiringGrad()
        let h0 = c.h0.tensor.requiringGrad()
        let c0 = c.c0.map { $0.tensor.requiringGrad() }
        let (out, state) = layer.forward(x, initialState: RecurrentState(h: h0, c: c0), lengths: c.lengths)
        RecurrentTolerance.expect(out, c.output!.tensor, rtol: RecurrentTolerance.forward, "\(name): output")
        RecurrentTolerance.expect(state.h, c.hn.tensor, rtol: RecurrentTolerance.forward, "\(name): h_n")
        var loss = (out * c.probe!.tensor).sum() + (state.h * c.probeH.tensor).sum()
        if let cn = c.cn {
            let stateC = try #require(state.c)
            RecurrentTolerance.expect(stateC, cn.tensor, rtol: RecurrentTolerance.forward, "\(name): c_n")
            loss = loss + (stateC * c.probeC!.tensor).sum()
        }
        loss.backward()
        var leaves = [("input", x), ("h0", h0)] + layer.namedParameters()
        if let c0 { leaves.append(("c0", c0)) }
        #expect(Set(leaves.map(\.0)) == Set(c.grads.keys), "\(name): gradients compared")
        for (key, t) in leaves {
            let expected = try #require(c.grads[key])
            RecurrentTolerance.expect(
                t.grad ?? Tensor.zeros(t.shape), expected.tensor, rtol: RecurrentTolerance.gradient,
                "\(name): gradient of \(key)")
        }
    }

    @Test(arguments: ["rnn_tanh", "rnn_relu", "lstm", "gru"]) func cellMatchesPyTorch(_ name: String) throws {
        let c = try #require(try RecurrentFixtures.shared.get().cells[name])
        let cell: RecurrentCell
        switch name {
        case "lstm": cell = LSTMCell(c.inputSize, c.hiddenSize, bias: c.bias)
        case "gru": cell = GRUCell(c.inputSize, c.hiddenSize, bias: c.bias)
        default:
            cell = RNNCell(c.inputSize, c.hiddenSize, bias: c.bias, nonlinearity: name == "rnn_tanh" ? .tanh : .relu)
        }
        #expect(cell.stateEntries().map(\.key) == c.state.keys, "\(name) cell: state-dict keys")
        try cell.load(stateDict: c.state.stateDict)
        let x = c.input.tensor.requiringGrad(), h0 = c.h0.tensor.requiringGrad()
        let c0 = c.c0.map { $0.tensor.requiringGrad() }
        let next = cell.forward(x, state: RecurrentState(h: h0, c: c0))
        RecurrentTolerance.expect(next.h, c.hn.tensor, rtol: RecurrentTolerance.forward, "\(name) cell: h'")
        var loss = (next.h * c.probeH.tensor).sum()
        if let cn = c.cn {
            let nextC = try #require(next.c)
            RecurrentTolerance.expect(nextC, cn.tensor, rtol: RecurrentTolerance.forward, "\(name) cell: c'")
            loss = loss + (nextC * c.probeC!.tensor).sum()
        }
        loss.backward()
        var leaves = [("input", x), ("h0", h0)] + cell.namedParameters()
        if let c0 { leaves.append(("c0", c0)) }
        #expect(Set(leaves.map(\.0)) == Set(c.grads.keys), "\(name) cell: gradients compared")
        for (key, t) in leaves {
            let expected = try #require(c.grads[key])
            RecurrentTolerance.expect(
                t.grad ?? Tensor.zeros(t.shape), expected.tensor, rtol: RecurrentTolerance.gradient,
                "\(name) cell: gradient of \(key)")
        }
    }

    /// A model holding an `LSTM` and a `Linear` head under PyTorch's attribute names (`lstm`, `head`).
    final class TrainedModel: Module {
        let lstm = LSTM(2, 8, numLayers: 2, batchFirst: true)
        let head = Linear(8, 1)
        override func callAsFunction(_ x: Tensor) -> Tensor {
            let seq = lstm(x)
            return head(seq.slice(axis: 1, (seq.shape[1] - 1)..<seq.shape[1]).squeezed(1))
        }
    }

    @Test func pytorchTrainedLSTMWeightsLoadAndGivePyTorchOutputs() throws {
        let fixture = try RecurrentFixtures.shared.get().trained
        let url = try #require(
            Bundle.module.url(forResource: "lstm_trained", withExtension: "safetensors", subdirectory: "Fixtures"))
        let model = TrainedModel()
        let report = try model.loadWeights(from: url)
        #expect(report.missingKeys.isEmpty && report.unexpectedKeys.isEmpty)
        model.eval()
        let x = fixture.input.tensor
        withNoGrad {
            RecurrentTolerance.expect(
                model.lstm(x), fixture.sequence.tensor, rtol: RecurrentTolerance.forward, "trained LSTM sequence")
            RecurrentTolerance.expect(
                model(x), fixture.prediction.tensor, rtol: RecurrentTolerance.forward, "trained LSTM prediction")
        }
    }
}

@Suite("Recurrent layers: variable lengths, shapes, errors")
struct RecurrentBehaviourTests {
    /// A padded batch with `lengths` gives, at valid steps, the outputs, final states and gradients of running each
    /// sequence alone (for every kind, both directions, two layers).
    @Test(arguments: RecurrentCellKind.allCases) func paddedBatchEqualsSequencesOneByOne(_ kind: RecurrentCellKind) {
        let gen = RandomGenerator(seed: 11)
        let layer = RecurrentLayer(
            kind: kind, inputSize: 3, hiddenSize: 5, numLayers: 2, batchFirst: true, bidirectional: true,
            generator: gen)
        let lengths = [6, 2, 4]
        let x = gen.normal([3, 6, 3])
        let probe = gen.normal([3, 6, 10])
        let probeH = gen.normal([4, 3, 5])
        let xb = x.requiringGrad()
        let (out, state) = layer.forward(xb, lengths: lengths)
        var loss = (out * probe).sum() + (state.h * probeH).sum()
        if let c = state.c { loss = loss + (c * probeH).sum() }
        layer.zeroGrad()
        loss.backward()
        let batchedGrads = layer.parameters().map { $0.grad! }
        let gx = xb.grad!
        var summed = layer.parameters().map { Tensor.zeros($0.shape) }
        for b in 0..<3 {
            let n = lengths[b]
            let xs = x.slice(axis: 0, b..<(b + 1)).slice(axis: 1, 0..<n).requiringGrad()
            layer.zeroGrad()
            let (o, s) = layer.forward(xs)
            RecurrentTolerance.expect(
                o, out.slice(axis: 0, b..<(b + 1)).slice(axis: 1, 0..<n), rtol: 1e-4, "\(kind) sequence \(b) outputs")
            if n < 6 {
                let padded = out.slice(axis: 0, b..<(b + 1)).slice(axis: 1, n..<6)
                #expect(padded.scalars.allSatisfy { $0 == 0 }, "\(kind) sequence \(b): padded outputs are zero")
            }
            let ph = probeH.slice(axis: 1, b..<(b + 1))
            RecurrentTolerance.expect(s.h, state.h.slice(axis: 1, b..<(b + 1)), rtol: 1e-4, "\(kind) sequence \(b) h_n")
            var l = (o * probe.slice(axis: 0, b..<(b + 1)).slice(axis: 1, 0..<n)).sum() + (s.h * ph).sum()
            if let c = s.c { l = l + (c * ph).sum() }
            l.backward()
            RecurrentTolerance.expect(
                xs.grad!, gx.slice(axis: 0, b..<(b + 1)).slice(axis: 1, 0..<n), rtol: 1e-4,
                "\(kind) sequence \(b) input gradient")
            if n < 6 {
                let padGrad = gx.slice(axis: 0, b..<(b + 1)).slice(axis: 1, n..<6)
                #expect(padGrad.scalars.allSatisfy { $0 == 0 }, "\(kind) sequence \(b): padded steps get no gradient")
            }
            for (i, p) in layer.parameters().enumerated() { summed[i] = summed[i] + p.grad! }
        }
        for (i, (key, _)) in layer.namedParameters().enumerated() {
            RecurrentTolerance.expect(summed[i], batchedGrads[i], rtol: 1e-4, "\(kind): gradient of \(key)")
        }
    }

    /// The recurrence's backward pass (all inputs: projections, initial states, `W_hh`, `b_hh`; with lengths, both
    /// directions) against central finite differences.
    @Test(arguments: RecurrentCellKind.allCases) func recurrenceGradientsMatchFiniteDifferences(
        _ kind: RecurrentCellKind
    ) {
        let gen = RandomGenerator(seed: 23)
        let hid = 3, gh = kind.gates * hid
        let probe = gen.normal([4, 2, hid]), probeH = gen.normal([2, hid])
        var inputs = [gen.normal([4, 2, gh]), gen.normal([2, hid], std: 0.5)]
        if kind.hasCellState { inputs.append(gen.normal([2, hid], std: 0.5)) }
        inputs += [gen.normal([gh, hid], std: 0.5), gen.normal([gh], std: 0.5)]
        for reverse in [false, true] {
            expectGradientsMatchFiniteDifferences(inputs, "\(kind) reverse \(reverse)") { t in
                let c0 = kind.hasCellState ? t[2] : nil, w = kind.hasCellState ? 3 : 2
                let r = Tensor.recurrence(
                    kind, projected: t[0], h0: t[1], c0: c0, weightHH: t[w], biasHH: t[w + 1], lengths: [4, 2],
                    reverse: reverse)
                var loss = (r.output * probe).sum() + (r.h * probeH).sum()
                if let c = r.c { loss = loss + (c * probeH).sum() }
                return loss
            }
        }
    }

    @Test func parameterNamesAndShapesFollowPyTorch() {
        let lstm = LSTM(3, 4, numLayers: 2, bidirectional: true)
        #expect(
            lstm.namedParameters().map(\.0).prefix(8) == [
                "weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0", "weight_ih_l0_reverse",
                "weight_hh_l0_reverse", "bias_ih_l0_reverse", "bias_hh_l0_reverse",
            ])
        #expect(lstm.namedParameters().count == 16)
        let shapes = Dictionary(uniqueKeysWithValues: lstm.namedParameters().map { ($0.0, $0.1.shape) })
        #expect(
            shapes["weight_ih_l0"] == [16, 3] && shapes["weight_ih_l1"] == [16, 8] && shapes["bias_hh_l1"] == [16])
        let gru = GRU(3, 4, bias: false)
        #expect(gru.namedParameters().map(\.0) == ["weight_ih_l0", "weight_hh_l0"])
        #expect(gru.namedParameters()[1].1.shape == [12, 4])
        let bound = 1 / Float(4).squareRoot()
        let all = lstm.parameters().flatMap(\.scalars)
        #expect(all.allSatisfy { Swift.abs($0) <= bound } && all.contains { Swift.abs($0) > 0.9 * bound })
        #expect(lstm.description == "LSTM(3, 4, num_layers=2, bidirectional=True)")
    }

    @Test func shapesOfOutputsAndStates() throws {
        let gru = GRU(3, 4, numLayers: 2, batchFirst: true, bidirectional: true)
        let (out, state) = gru.forward(Tensor.zeros([2, 5, 3]))
        #expect(out.shape == [2, 5, 8] && state.h.shape == [4, 2, 4] && state.c == nil)
        #expect(try gru.outputShape(for: [2, 5, 3]) == [2, 5, 8])
        #expect(throws: DescentError.self) { try gru.outputShape(for: [2, 5, 7]) }
        let rnn = RNN(3, 4)
        let (o1, s1) = rnn.forward(Tensor.ones([5, 3]))
        #expect(o1.shape == [5, 4] && s1.h.shape == [1, 4])
        #expect(throws: DescentError.self) { try rnn.validate(lengths: [3, 9], batch: 2, steps: 5) }
        #expect(throws: DescentError.self) { try rnn.validate(lengths: [3], batch: 2, steps: 5) }
        try rnn.validate(lengths: [5, 1], batch: 2, steps: 5)
        let model = Sequential(Embedding(10, 3), LSTM(3, 6, batchFirst: true), Linear(6, 2))
        #expect(try model.outputShape(for: [4, 7]) == [4, 7, 2])
        #expect(model(Tensor([1, 2, 3, 4, 5, 6], shape: [2, 3])).shape == [2, 3, 2])
    }

    /// `Sequential(Embedding, LSTM/GRU)` runs fused (input projections looked up from `E · W_ihᵀ + b_ih`): the same
    /// outputs and gradients as the layers called one after the other.
    @Test(arguments: [RecurrentCellKind.lstm, .gru, .rnnTanh])
    func embeddingFusionMatchesTheLayersCalledInTurn(_ kind: RecurrentCellKind) {
        let gen = RandomGenerator(seed: 17)
        let embedding = Embedding(9, 4, maxNorm: kind == .gru ? 1.2 : nil, generator: gen)
        let recurrent = RecurrentLayer(
            kind: kind, inputSize: 4, hiddenSize: 5, numLayers: 2, batchFirst: true, bidirectional: kind != .rnnTanh,
            generator: gen)
        if kind == .gru { recurrent.callOutput = .last }
        let model = Sequential(embedding, recurrent)
        #expect(model.fusionPlan.steps.count == 1 && model.fusionPlan.steps[0].layers == 0..<2)
        let tokens = Tensor([1, 8, 0, 3, 3, 5, 2, 7, 6, 1, 4, 0], shape: [3, 4])
        let fused = model(tokens)
        let probe = gen.normal(fused.shape)
        (fused * probe).sum().backward()
        let fusedGrads = model.parameters().map { $0.grad! }
        model.zeroGrad()
        let plain = recurrent(embedding(tokens))
        (plain * probe).sum().backward()
        RecurrentTolerance.expect(fused, plain, rtol: 1e-5, "\(kind): output")
        for ((key, p), g) in zip(model.namedParameters(), fusedGrads) {
            RecurrentTolerance.expect(g, p.grad!, rtol: 1e-4, "\(kind): gradient of \(key)")
        }
    }

    @Test func dropoutBetweenLayersOnlyWhileTraining() {
        let lstm = LSTM(3, 4, numLayers: 2, dropout: 0.5, generator: RandomGenerator(seed: 1))
        let x = RandomGenerator(seed: 2).normal([5, 2, 3])
        let a = lstm(x), b = lstm(x)
        #expect(a != b, "training: different dropout masks")
        lstm.eval()
        #expect(lstm(x) == lstm(x), "eval: no dropout")
    }
}
