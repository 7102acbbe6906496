/// One convolution of a stack that ``FusionPlan`` runs as a chain: a `Conv2d`, optionally its `BatchNorm2d`, and
/// the epilogue after them (nothing, ReLU, or ReLU and 2×2 max pooling).
struct ConvChainUnit {
    /// The convolution.
    let conv: Conv2d
    /// The batch norm after it, if any.
    let batchNorm: BatchNorm2d?
    /// What follows.
    let epilogue: Epilogue

    /// `epilogue(batchNorm(conv(x)))` on the layer path (each unit fused as ``FusionPlan`` runs it alone).
    func callAsFunction(_ x: Tensor) -> Tensor {
        if let batchNorm { return conv.forward(x, batchNorm: batchNorm, epilogue: epilogue) }
        return conv.forward(x, epilogue: epilogue)
    }

    /// `units` applied in turn: where a unit qualifies (training with gradients, or eval mode without them; output
    /// channels a multiple of 16; one group; float32; oneDNN's JIT primitives on this CPU; the process's convolution
    /// choice automatic or `onednn-blocked`) it runs as one operation in oneDNN's nChw16c layout — the convolution
    /// (bias and, without a batch norm, ReLU fused), oneDNN's batch norm (ReLU fused) and 2×2 max pooling — and
    /// consecutive such units pass their activations and gradients to each other in that layout, so that only the
    /// stack's output is reordered into NCHW (the first unit reads its NCHW input directly). Other units run on the
    /// layer path. The values and gradients are those of the layers in turn up to the order of the sums.
    static func forward(chain units: [ConvChainUnit], _ x: Tensor) -> Tensor {
        var y = x
        var parts = BlockedConvParts(unit: units[0], input: x, plainInput: true)
        for i in units.indices {
            guard let current = parts else {
                y = units[i](y)
                parts = i + 1 < units.count ? BlockedConvParts(unit: units[i + 1], input: y, plainInput: true) : nil
                continue
            }
            let next =
                i + 1 < units.count
                ? BlockedConvParts(
                    unit: units[i + 1], inputShape: current.output, plainInput: false,
                    recording: current.training || units[i + 1].parametersRecord, inputGradient: current.training)
                : nil
            y = Tensor.blockedConvUnit(y, current, outputBlocked: next != nil)
            parts = next
        }
        return y
    }

    /// Whether a call records for autodiff because of the unit's parameters.
    var parametersRecord: Bool {
        GradMode.isEnabled
            && (conv.weight.node != nil || conv.bias?.node != nil || batchNorm?.weight?.node != nil
                || batchNorm?.bias?.node != nil)
    }
}

/// A ``ConvChainUnit`` with its plan and shapes for one input, when it runs in nChw16c.
struct BlockedConvParts {
    let unit: ConvChainUnit
    let plan: ConvPlan
    /// The input (NCHW when ``plainInput``, else nChw16c), the convolution's output and the unit's output.
    let input, convolved, output: BlockedLayout.Shape
    /// Whether the input is in NCHW (the first unit of a chain) rather than nChw16c.
    let plainInput: Bool
    /// Training with gradients (batch statistics, a backward pass), or else eval mode without gradients.
    let training: Bool

    /// The parts for the NCHW tensor `x`, the first input of a chain.
    init?(unit: ConvChainUnit, input x: Tensor, plainInput: Bool) {
        let shape = x.shape
        guard shape.count == 4 else { return nil }
        let recording = GradMode.isEnabled && x.node != nil || unit.parametersRecord
        self.init(
            unit: unit, inputShape: BlockedLayout.Shape(n: shape[0], c: shape[1], h: shape[2], w: shape[3]),
            plainInput: plainInput, recording: recording, inputGradient: GradMode.isEnabled && x.node != nil)
    }

    /// The parts for an input of `inputShape`, or `nil` when the unit does not qualify (`recording`: whether the
    /// call records for autodiff; `inputGradient`: whether its input needs a gradient).
    init?(
        unit: ConvChainUnit, inputShape: BlockedLayout.Shape, plainInput: Bool, recording: Bool, inputGradient: Bool
    ) {
        switch ConvolutionChoice.configured {
        case .automatic, .fixed(.onednnBlocked): break
        default: return nil
        }
        let conv = unit.conv
        guard Backend.precision == .float32, conv.groups == 1,
            let plan = BlockedBlockParts.plan(conv, [inputShape.n, inputShape.c, inputShape.h, inputShape.w])
        else { return nil }
        let relu = unit.epilogue != .none, pooling = unit.epilogue == .reluMaxPool2x2
        let convolved = BlockedLayout.Shape(n: plan.batch, c: plan.outChannels, h: plan.outHeight, w: plan.outWidth)
        let output =
            pooling
            ? BlockedLayout.Shape(n: plan.batch, c: plan.outChannels, h: plan.outHeight / 2, w: plan.outWidth / 2)
            : convolved
        guard
            plan.hasBlockedPrimitives(
                bias: conv.bias != nil, relu: relu && unit.batchNorm == nil, plainInput: plainInput,
                inputGradient: recording && inputGradient),
            unit.batchNorm?.canNormalizeBlocked(convolved, relu: relu, training: recording) ?? true,
            !pooling || BlockedLayout.canPool2x2(convolved),
            BlockedLayout.isAvailable(output, eps: 0, relu: [])
        else { return nil }
        self.unit = unit
        self.plan = plan
        self.input = inputShape
        self.convolved = convolved
        self.output = output
        self.plainInput = plainInput
        training = recording
    }
}

extension Tensor {
    /// The operation of one ``ConvChainUnit`` in nChw16c (its input in NCHW when `parts.plainInput`); with
    /// `outputBlocked` the output (and the gradient that comes back for it) stays in nChw16c, a tensor only the next
    /// unit of the chain reads.
    fileprivate static func blockedConvUnit(_ x: Tensor, _ parts: BlockedConvParts, outputBlocked: Bool) -> Tensor {
        let unit = parts.unit, bn = unit.batchNorm, shape = parts.convolved, count = shape.count, c = shape.c
        let relu = unit.epilogue != .none, pooling = unit.epilogue == .reluMaxPool2x2
        let weight = unit.conv.weight, convBias = unit.conv.bias
        let buffer = { (n: Int) in TensorStorage(uninitializedCount: n) }
        // The convolution (its ReLU fused when there is no batch norm), the batch norm, the pooling.
        let y = buffer(count)
        parts.plan.runBlocked(
            .forward, src: x.storage.pointer, weights: weight.storage.pointer, bias: convBias?.storage.pointer,
            dst: y.pointer, relu: relu && bn == nil, plainInput: parts.plainInput)
        let statistics = buffer(bn != nil && parts.training ? 2 * c : 0)
        let bnMask = buffer(
            bn != nil && parts.training && relu ? (BlockedLayout.workspaceBytes(shape, eps: bn!.eps) + 3) / 4 : 0)
        var activation = y
        if let bn {
            activation = buffer(count)
            bn.normalizeBlocked(
                y, activation, shape: shape, relu: relu, training: parts.training, mean: statistics.pointer,
                variance: statistics.pointer + c, mask: bnMask)
        }
        let poolMask = buffer(pooling ? (BlockedLayout.poolWorkspaceBytes(shape) + 3) / 4 : 0)
        var result = activation
        if pooling {
            result = buffer(parts.output.count)
            BlockedLayout.maxPool2x2(
                activation.pointer, result.pointer, shape: shape, backward: false,
                workspace: UnsafeMutableRawPointer(poolMask.pointer))
        }
        let o = parts.output
        let out = Tensor(blocked: result, o, keepBlocked: outputBlocked)
        guard parts.training else { return out }

        var inputs = [x, weight]
        let biasSlot = convBias.map {
            inputs.append($0)
            return inputs.count - 1
        }
        let bnSlot = bn.map {
            inputs += [$0.weight!, $0.bias!]
            return inputs.count - 2
        }
        let xStorage = x.storage, xShape = x.shape, weightD = weight.detach()
        let gammaD = bn?.weight?.detach(), betaD = bn?.bias?.detach()
        return Tensor.record("conv2d_blocked", out, inputs) { upstream, needs in
            let g = upstream.blockedStorage(o, isBlocked: outputBlocked)
            var gActivation = g
            if pooling {
                gActivation = buffer(count)
                BlockedLayout.maxPool2x2(
                    gActivation.pointer, g.pointer, shape: shape, backward: true,
                    workspace: UnsafeMutableRawPointer(poolMask.pointer))
            }
            var gY = gActivation
            var gGamma: Tensor?, gBeta: Tensor?
            if let bn, let gammaD, let betaD {
                gY = buffer(count)
                let gg = Tensor(uninitializedShape: [c]), gb = Tensor(uninitializedShape: [c])
                BlockedLayout.batchNormBackward(
                    y.pointer, diffDst: gActivation.pointer, diffSrc: gY.pointer, shape: shape, eps: bn.eps,
                    relu: relu, gamma: gammaD.storage.pointer, beta: betaD.storage.pointer, mean: statistics.pointer,
                    variance: statistics.pointer + c, workspace: relu ? UnsafeMutableRawPointer(bnMask.pointer) : nil,
                    diffGamma: gg.storage.pointer, diffBeta: gb.storage.pointer)
                (gGamma, gBeta) = (gg, gb)
            } else if relu {
                gY = buffer(count)
                let ga = gActivation.pointer, yp = y.pointer, gp = gY.pointer
                Parallel.forEachChunk(count) { r in
                    Kernels.reluBackward(ga + r.lowerBound, yp + r.lowerBound, gp + r.lowerBound, r.count)
                }
            }
            let needsBias = biasSlot.map { needs[$0] } ?? false
            var gw: Tensor?, gBias: Tensor?
            if needs[1] || needsBias {
                let w = Tensor(uninitializedShape: weightD.shape)
                let b = convBias != nil ? Tensor(uninitializedShape: [c]) : nil
                parts.plan.runBlocked(
                    .backwardWeights, src: xStorage.pointer, weights: w.storage.pointer, bias: b?.storage.pointer,
                    dst: gY.pointer, plainInput: parts.plainInput)
                (gw, gBias) = (needs[1] ? w : nil, needsBias ? b : nil)
            }
            var gx: Tensor?
            if needs[0] {
                let gxs = buffer(parts.input.count)
                parts.plan.runBlocked(
                    .backwardData, src: gxs.pointer, weights: weightD.storage.pointer, dst: gY.pointer,
                    plainInput: parts.plainInput)
                gx = Tensor(shape: xShape, storage: gxs)
            }
            var grads: [Tensor?] = [gx, gw]
            if biasSlot != nil { grads.append(gBias) }
            if let bnSlot { grads += [needs[bnSlot] ? gGamma : nil, needs[bnSlot + 1] ? gBeta : nil] }
            return grads
        }
    }
}
