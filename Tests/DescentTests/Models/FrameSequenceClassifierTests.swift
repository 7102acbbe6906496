import Foundation
import Testing

@testable import Descent

@Suite struct FrameSequenceClassifierTests {
    /// A `[batch, 1, features, frames]` input with distinct values: `x[b, 0, f, t] = sin(1 + b·31 + f·7 + t·3)`.
    func spectrograms(batch: Int, features: Int, frames: Int) -> Tensor {
        var values: [Float] = []
        for b in 0..<batch {
            for f in 0..<features {
                for t in 0..<frames { values.append(sin(Float(1 + b * 31 + f * 7 + t * 3))) }
            }
        }
        return Tensor(values, shape: [batch, 1, features, frames])
    }

    @Test func shapesAndStateDictNames() throws {
        let model = FrameSequenceClassifier(
            features: 40, classes: 10, hiddenSize: 16, numLayers: 2, bidirectional: true)
        model.eval()
        #expect(model(spectrograms(batch: 3, features: 40, frames: 48)).shape == [3, 10])
        #expect(model(spectrograms(batch: 2, features: 40, frames: 5).reshaped([2, 40, 5])).shape == [2, 10])
        #expect(try model.outputShape(for: [4, 1, 40, 48]) == [4, 10])
        #expect(try model.outputShape(for: [4, 40, 7]) == [4, 10])
        #expect(throws: DescentError.self) { try model.outputShape(for: [4, 2, 40, 48]) }
        #expect(throws: DescentError.self) { try model.outputShape(for: [4, 1, 48, 40]) }
        #expect(throws: DescentError.self) { try model.outputShape(for: [4, 40]) }
        let names = model.stateDict().map(\.0)
        #expect(names.first == "recurrent.weight_ih_l0")
        #expect(names.contains("recurrent.weight_hh_l1_reverse"))
        #expect(Array(names.suffix(2)) == ["head.weight", "head.bias"])
        // Bidirectional, 2 layers: layer 1 reads both directions of layer 0 (2 · 16 features), the head both
        // directions of layer 1.
        let shapes = Dictionary(uniqueKeysWithValues: model.stateDict().map { ($0.0, $0.1.shape) })
        #expect(shapes["recurrent.weight_ih_l0"] == [48, 40])
        #expect(shapes["recurrent.weight_ih_l1"] == [48, 32])
        #expect(shapes["head.weight"] == [10, 32])
    }

    /// The frames (columns) are the time steps, first to last: a GRU cell with the model's weights stepped by hand
    /// over `x[b, 0, :, t]` for t = 0, 1, … gives the model's logits, and reversed frames give other logits.
    @Test func framesAreTheTimeStepsInOrder() throws {
        let (features, frames, hidden) = (5, 6, 4)
        let model = FrameSequenceClassifier(
            features: features, classes: 3, hiddenSize: hidden, generator: RandomGenerator(seed: 3))
        model.eval()
        let x = spectrograms(batch: 2, features: features, frames: frames)
        let logits = model(x)

        let cell = GRUCell(features, hidden)
        let weights = Dictionary(uniqueKeysWithValues: model.recurrent.stateDict())
        _ = try cell.load(stateDict: [
            "weight_ih": weights["weight_ih_l0"]!, "weight_hh": weights["weight_hh_l0"]!,
            "bias_ih": weights["bias_ih_l0"]!, "bias_hh": weights["bias_hh_l0"]!,
        ])
        let values = x.scalars
        var state: RecurrentState?
        for t in 0..<frames {
            var step: [Float] = []
            for b in 0..<2 {
                for f in 0..<features { step.append(values[(b * features + f) * frames + t]) }
            }
            state = cell.forward(Tensor(step, shape: [2, features]), state: state)
        }
        let expected = model.head(state!.h)
        for (a, e) in zip(logits.scalars, expected.scalars) { #expect(abs(a - e) <= 1e-5) }

        var reversed: [Float] = []
        for row in 0..<(2 * features) { reversed += values[(row * frames)..<((row + 1) * frames)].reversed() }
        let other = model(Tensor(reversed, shape: x.shape))
        #expect(zip(other.scalars, logits.scalars).contains { abs($0 - $1) > 1e-3 })
    }

    /// Gradients reach every parameter through the permuted input.
    @Test func trainsEndToEnd() {
        let model = FrameSequenceClassifier(features: 4, classes: 2, cell: .lstm, hiddenSize: 3)
        model.train()
        model(spectrograms(batch: 3, features: 4, frames: 5)).sum().backward()
        for (name, p) in model.namedParameters() {
            #expect(p.grad?.scalars.contains { $0 != 0 } == true, "\(name)")
        }
    }
}
