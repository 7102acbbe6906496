/// Where dropout puts the compensation for the dropped units.
public enum DropoutScaling: Sendable, Equatable {
    /// Inverted dropout (PyTorch's): training output `x · m / (1 − p)`, eval output `x`.
    case inverted
    /// Classic dropout (Srivastava et al. 2014): training output `x · m`, eval output `(1 − p) · x`.
    case atTest
}

extension Tensor {
    /// Dropout with drop probability `p`: each element is kept with probability `1 − p` (mask `m ~ Bernoulli(1 − p)`
    /// from `generator`) and scaled according to `scaling`:
    ///
    ///     inverted: training y = x·m/(1 − p),  eval y = x
    ///     atTest:   training y = x·m,          eval y = (1 − p)·x
    ///
    /// Both keep the expected value of the training output equal to the eval output. With `p = 1` the training
    /// output is zero. Backward multiplies by the same mask and scale.
    public func dropout(
        p: Float, training: Bool = true, scaling: DropoutScaling = .inverted,
        generator: RandomGenerator = .default
    ) -> Tensor {
        precondition(p >= 0 && p <= 1, "dropout: probability must be in [0, 1], got \(p)")
        let keep = 1 - p
        if !training {
            return scaling == .inverted || p == 0 ? self : self * keep
        }
        if p == 0 { return self }
        let scale: Float = p >= 1 ? 0 : (scaling == .inverted ? 1 / keep : 1)
        let mask = generator.bernoulli(shape, p: keep)
        let out = Tensor(uninitializedShape: shape)
        let src = storage.pointer, mp = mask.storage.pointer, dst = out.storage.pointer
        Parallel.forEachChunk(count) { r in
            for i in r {
                mp[i] *= scale
                dst[i] = src[i] * mp[i]
            }
        }
        return Tensor.record("dropout", out, self) { g in
            let gx = Tensor(uninitializedShape: g.shape)
            let gp = g.storage.pointer, mq = mask.storage.pointer, q = gx.storage.pointer
            Parallel.forEachChunk(g.count) { r in for i in r { q[i] = gp[i] * mq[i] } }
            return gx
        }
    }
}

/// Dropout (PyTorch's `nn.Dropout`): in training mode zeroes each element with probability `p`; in eval mode it
/// passes the input through (see ``Tensor/dropout(p:training:scaling:generator:)``).
///
/// The default, inverted dropout, divides the kept activations by `p_keep = 1 − p` during training so that the
/// network is used unchanged at test time. It is the same model as classic dropout, which trains with the
/// plain mask and instead scales the outgoing weights at test time, `W_test = p_keep · W_trained`: a layer
/// `W` fed by inverted dropout computes `W·(m ⊙ x)/p_keep`, exactly classic dropout's training output for weights
/// `W/p_keep`, whose test-time weights are `p_keep · (W/p_keep) = W`. `scaling: .atTest` gives the classic form
/// (mask only in training, multiply by `p_keep` in eval) for reproducing older work.
public final class Dropout: Module {
    /// The probability of zeroing an element.
    public let p: Float
    /// Where the `1 − p` compensation is applied.
    public let scaling: DropoutScaling
    /// The source of the masks.
    public let generator: RandomGenerator

    /// `torch.nn.Dropout`'s default `p`, 0.5.
    public static let defaultP: Float = 0.5

    /// Dropout with drop probability `p` (PyTorch's default 0.5), masks drawn from `generator`.
    public init(_ p: Float = defaultP, scaling: DropoutScaling = .inverted, generator: RandomGenerator = .default) {
        precondition(p >= 0 && p <= 1, "Dropout: probability must be in [0, 1], got \(p)")
        self.p = p
        self.scaling = scaling
        self.generator = generator
        super.init()
    }

    /// Masked and scaled `x` in training mode; `x` (or `(1 − p)·x` with `.atTest`) in eval mode.
    public override func callAsFunction(_ x: Tensor) -> Tensor {
        x.dropout(p: p, training: isTraining, scaling: scaling, generator: generator)
    }

    /// The input shape.
    public override func outputShape(for inputShape: [Int]) throws -> [Int] { inputShape }

    /// PyTorch's `extra_repr`.
    public override var extraDescription: String { "p=\(p), inplace=False" }
}
