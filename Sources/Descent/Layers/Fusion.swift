/// What a layer applies to its own output in the same pass (the "epilogue" of its kernel), instead of a separate
/// layer reading and writing the whole tensor again.
public enum Epilogue: Sendable, Hashable {
    /// Nothing: the layer's output as it is.
    case none
    /// `max(y, 0)`, as ``ReLU``.
    case relu
    /// `maxPool2d(max(y, 0), kernelSize: 2)`, as ``ReLU`` then ``MaxPool2d`` with 2×2 windows and stride 2.
    case reluMaxPool2x2

    /// `epilogue(y)` computed on its own, unfused: `y`, `y.relu()` or `y.relu().maxPool2d(kernelSize: 2)`.
    public func apply(to y: Tensor) -> Tensor {
        switch self {
        case .none: y
        case .relu: y.relu()
        case .reluMaxPool2x2: y.relu().maxPool2d(kernelSize: 2)
        }
    }
}

/// A layer that can apply an ``Epilogue`` in its own forward pass (`Conv2d`, `Linear`, `BatchNorm`): the values and
/// gradients are those of the layer followed by the epilogue's layers.
public protocol EpilogueFusable: Module {
    /// Whether ``forward(_:epilogue:)`` fuses `epilogue` (rather than applying it afterwards); a ``FusionPlan`` only
    /// merges layers into epilogues that this answers `true` for.
    func canFuse(_ epilogue: Epilogue) -> Bool
    /// `epilogue(self(x))`, for every epilogue: fused where ``canFuse(_:)`` says so, else as ``Epilogue/apply(to:)``.
    func forward(_ x: Tensor, epilogue: Epilogue) -> Tensor
}

/// A layer that is a step of an epilogue when it follows a fusable layer (``ReLU``, ``MaxPool2d`` with 2×2 windows).
public protocol EpilogueStep: Module {
    /// The epilogue equal to `epilogue` followed by this layer, or `nil` when there is none.
    func epilogue(after epilogue: Epilogue) -> Epilogue?
}

extension ReLU: EpilogueStep {
    /// `.relu` after `.none`.
    public func epilogue(after epilogue: Epilogue) -> Epilogue? { epilogue == .none ? .relu : nil }
}

/// How a list of layers runs with fusion: each ``EpilogueFusable`` layer takes the longest run of following
/// ``EpilogueStep`` layers that it can fuse (`Conv2d, ReLU, MaxPool2d(kernelSize: 2)` becomes one call), a
/// ``Conv2d`` followed by a ``BatchNorm2d`` runs with the batch norm and the following epilogue steps as one call
/// (``Conv2d/forward(_:batchNorm:epilogue:)``: `Conv2d, BatchNorm2d, ReLU, MaxPool2d(kernelSize: 2)`), an
/// ``Embedding`` without padding index followed by a batch-first ``RecurrentLayer`` runs as one call (the first
/// layer's input projections looked up from `E · W_ihᵀ + b_ih`), every other layer runs on its own. Two or more
/// consecutive convolution steps (`Conv2d[, BatchNorm2d][, ReLU[, MaxPool2d]]`) become one chain, and so do
/// consecutive ``BasicBlock``s: where their channel counts are multiples of 16 and oneDNN has JIT kernels for them,
/// a chain keeps its activations and gradients in oneDNN's blocked layout `nChw16c` between its members, so that
/// only its ends convert to NCHW (``BasicBlock``'s documentation; `DESCENT_CONVOLUTION=gemm` turns this off). Same
/// values and gradients as calling the layers one after another (up to rounding for the embedding case and the
/// chains in the blocked layout).
///
/// Make the plan once, when the layers are set, and call it on every forward pass; ``Sequential`` does this. A
/// container of your own can do the same:
///
/// ```swift
/// final class Stack: Module {
///     let layers: [Module]
///     let plan: FusionPlan
///     init(_ layers: [Module]) { self.layers = layers; plan = FusionPlan(layers); super.init() }
///     override func callAsFunction(_ x: Tensor) -> Tensor { plan(x) }
/// }
/// ```
public struct FusionPlan {
    /// One call of the plan: the layers at `layers` (indices into the planned list), the first of them applying
    /// `epilogue` for the others (`.none` and one layer when nothing is fused).
    public struct Step: Sendable, Equatable {
        /// The indices of the layers that this call covers.
        public let layers: Range<Int>
        /// The epilogue that the first layer applies for the rest.
        public let epilogue: Epilogue
    }

    /// What one step runs.
    private enum Call {
        case layer(Module)
        case fused(any EpilogueFusable, Epilogue)
        case embedded(Embedding, RecurrentLayer)
        case convBatchNorm(Conv2d, BatchNorm2d, Epilogue)
        case residualBlocks([BasicBlock])
        case convolutionChain([ConvChainUnit])

        /// The convolution unit this call runs, when it is one (`Conv2d[, BatchNorm2d][, ReLU[, MaxPool2d]]`).
        var convolutionUnit: ConvChainUnit? {
            switch self {
            case .fused(let head, let epilogue):
                guard let conv = head as? Conv2d else { return nil }
                return ConvChainUnit(conv: conv, batchNorm: nil, epilogue: epilogue)
            case .convBatchNorm(let conv, let bn, let epilogue):
                return ConvChainUnit(conv: conv, batchNorm: bn, epilogue: epilogue)
            default: return nil
            }
        }
    }

    /// The calls, in order.
    public let steps: [Step]
    private let calls: [Call]

    /// The plan of `layers` (which it keeps: the plan runs them).
    public init(_ layers: [Module]) {
        var steps: [Step] = [], calls: [Call] = []
        var i = 0
        while i < layers.count {
            if let embedding = layers[i] as? Embedding, i + 1 < layers.count,
                let recurrent = layers[i + 1] as? RecurrentLayer, recurrent.batchFirst,
                embedding.paddingIndex == nil
            {
                steps.append(Step(layers: i..<(i + 2), epilogue: .none))
                calls.append(.embedded(embedding, recurrent))
                i += 2
                continue
            }
            if layers[i] is BasicBlock, i + 1 < layers.count, layers[i + 1] is BasicBlock {
                var j = i + 1
                while j < layers.count, layers[j] is BasicBlock { j += 1 }
                steps.append(Step(layers: i..<j, epilogue: .none))
                calls.append(.residualBlocks(layers[i..<j].compactMap { $0 as? BasicBlock }))
                i = j
                continue
            }
            if let conv = layers[i] as? Conv2d, i + 1 < layers.count, let bn = layers[i + 1] as? BatchNorm2d {
                var epilogue = Epilogue.none
                var j = i + 2
                while j < layers.count, let step = layers[j] as? any EpilogueStep,
                    let extended = step.epilogue(after: epilogue)
                {
                    epilogue = extended
                    j += 1
                }
                steps.append(Step(layers: i..<j, epilogue: epilogue))
                calls.append(.convBatchNorm(conv, bn, epilogue))
                i = j
                continue
            }
            var end = i + 1, epilogue = Epilogue.none
            if let head = layers[i] as? any EpilogueFusable {
                var next = Epilogue.none
                var j = i + 1
                while j < layers.count, let step = layers[j] as? any EpilogueStep,
                    let extended = step.epilogue(after: next), head.canFuse(extended)
                {
                    next = extended
                    j += 1
                    (end, epilogue) = (j, next)
                }
                if end > i + 1 {
                    steps.append(Step(layers: i..<end, epilogue: epilogue))
                    calls.append(.fused(head, epilogue))
                    i = end
                    continue
                }
            }
            steps.append(Step(layers: i..<end, epilogue: .none))
            calls.append(.layer(layers[i]))
            i = end
        }
        // Runs of two or more convolution units become one chain (kept in oneDNN's blocked layout between them).
        var chainedSteps: [Step] = [], chainedCalls: [Call] = []
        var k = 0
        while k < calls.count {
            var end = k
            while end < calls.count, calls[end].convolutionUnit != nil { end += 1 }
            if end - k >= 2 {
                chainedSteps.append(
                    Step(layers: steps[k].layers.lowerBound..<steps[end - 1].layers.upperBound, epilogue: .none))
                chainedCalls.append(.convolutionChain(calls[k..<end].compactMap(\.convolutionUnit)))
                k = end
            } else {
                chainedSteps.append(steps[k])
                chainedCalls.append(calls[k])
                k += 1
            }
        }
        self.steps = chainedSteps
        self.calls = chainedCalls
    }

    /// The planned layers applied to `x`, in order.
    public func callAsFunction(_ x: Tensor) -> Tensor {
        var y = x
        for call in calls {
            switch call {
            case .layer(let layer): y = layer(y)
            case .fused(let layer, let epilogue): y = layer.forward(y, epilogue: epilogue)
            case .embedded(let embedding, let recurrent): y = recurrent(indices: y, embedding: embedding)
            case .convBatchNorm(let conv, let bn, let epilogue): y = conv.forward(y, batchNorm: bn, epilogue: epilogue)
            case .residualBlocks(let blocks): y = BasicBlock.forward(chain: blocks, y)
            case .convolutionChain(let units): y = ConvChainUnit.forward(chain: units, y)
            }
        }
        return y
    }
}
