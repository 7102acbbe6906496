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
    /// channels a multiple of 16; one group; oneDNN's JIT primitives on this CPU, in bf16 when ``Backend/precision``
    /// is; the process's convolution
    /// choice automatic or `onednn-blocked`) it runs as one operation in oneDNN's nChw16c layout — the convolution
    /// (bias and, without a batch norm, ReLU fused), then either oneDNN's batch norm (ReLU fused) or, with 2×2 max
    /// pooling, the batch norm, ReLU and pooling in one pass of ``BlockedPooling`` — and consecutive such units pass
    /// their activations and gradients to each other in that layout, so that only the stack's output is reordered
    /// into NCHW (the first unit reads its NCHW input directly). Other units run on the layer path. The values and
    /// gradients are those of the layers in turn up to the order of the sums.
    static func forward(chain units: [ConvChainUnit], _ x: Tensor) -> Tensor {
        var y = x
        var parts = BlockedConvParts(unit: units[0], input: x)
        for i in units.indices {
            guard let current = parts else {
                y = units[i](y)
                parts = i + 1 < units.count ? BlockedConvParts(unit: units[i + 1], input: y) : nil
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
    /// Whether the unit reorders its NCHW input into nChw16c (and the input gradient back) to run blocked.
    var reordersInput = false

    /// The parts for the NCHW tensor `x`, the first input of a chain (or of the rest of one after a unit on the layer
    /// path): read as it is, or, where oneDNN has no JIT primitives for that (the input gradient in NCHW), reordered
    /// into nChw16c when its channels allow (``reordersInput``).
    init?(unit: ConvChainUnit, input x: Tensor) {
        let shape = x.shape
        guard shape.count == 4 else { return nil }
        let recording = GradMode.isEnabled && x.node != nil || unit.parametersRecord
        let inputShape = BlockedLayout.Shape(n: shape[0], c: shape[1], h: shape[2], w: shape[3])
        let inputGradient = GradMode.isEnabled && x.node != nil
        if let plain = BlockedConvParts(
            unit: unit, inputShape: inputShape, plainInput: true, recording: recording, inputGradient: inputGradient)
        {
            self = plain
        } else if inputShape.c % 16 == 0,
            BlockedLayout.isAvailable(inputShape, eps: 0, relu: []),
            var reordered = BlockedConvParts(
                unit: unit, inputShape: inputShape, plainInput: false, recording: recording,
                inputGradient: inputGradient)
        {
            reordered.reordersInput = true
            self = reordered
        } else {
            return nil
        }
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
        guard conv.groups == 1,
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
            unit.batchNorm?.canNormalizeBlocked(convolved, relu: relu, training: recording, pooled: pooling) ?? true,
            !pooling || output.count > 0,
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
        let xStorage = x.blockedStorage(parts.input, isBlocked: !parts.reordersInput)
        parts.plan.runBlocked(
            .forward, src: xStorage.pointer, weights: weight.storage.pointer, bias: convBias?.storage.pointer,
            dst: y.pointer, relu: relu && bn == nil, plainInput: parts.plainInput)
        let statistics = buffer(bn != nil && parts.training ? 2 * c : 0)
        var result = y
        // With pooling: `relu(a·y + b)` pooled in one pass (Descent's kernels), the batch norm's scale and shift
        // `a`, `b` in `affine`, `y` at each window's maximum in `keep`.
        let affine = buffer(bn != nil && pooling ? 2 * c : 0)
        let keep = buffer(bn != nil && pooling && parts.training ? parts.output.count : 0)
        let bnMask = buffer(
            bn != nil && !pooling && parts.training && relu
                ? (BlockedLayout.workspaceBytes(shape, eps: bn!.eps) + 3) / 4 : 0)
        if pooling {
            if let bn {
                bn.blockedScaleShift(
                    y.pointer, shape: shape, training: parts.training, mean: statistics.pointer,
                    invstd: statistics.pointer + c, a: affine.pointer, b: affine.pointer + c)
            }
            result = buffer(parts.output.count)
            BlockedPooling.forward(
                y.pointer, shape: shape, a: bn != nil ? affine.pointer : nil, b: bn != nil ? affine.pointer + c : nil,
                dst: result.pointer, keep: parts.training && bn != nil ? keep.pointer : nil)
        } else if let bn {
            result = buffer(count)
            bn.normalizeBlocked(
                y, result, shape: shape, relu: relu, training: parts.training, mean: statistics.pointer,
                variance: statistics.pointer + c, mask: bnMask)
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
        let xShape = x.shape, weightD = weight.detach()
        let gammaD = bn?.weight?.detach(), betaD = bn?.bias?.detach()
        return Tensor.record("conv2d_blocked", out, inputs) { upstream, needs in
            let g = upstream.blockedStorage(o, isBlocked: outputBlocked)
            var gY = g
            var gGamma: Tensor?, gBeta: Tensor?
            if pooling {
                gY = buffer(count)
                var coefficients:
                    (UnsafePointer<Float>, UnsafePointer<Float>, UnsafePointer<Float>, UnsafePointer<Float>)?
                let terms = buffer(bn != nil ? 3 * c : 0)
                if bn != nil, let gammaD {
                    let mean = statistics.pointer, invstd = statistics.pointer + c
                    let (sumG, sumGX) = BlockedPooling.backwardSums(
                        g.pointer, out: result.pointer, keep: keep.pointer, shape: shape, mean: mean)
                    let gg = Tensor(uninitializedShape: [c]), gb = Tensor(uninitializedShape: [c])
                    let meanG = terms.pointer, k = terms.pointer + c, scales = terms.pointer + 2 * c
                    let m = Double(shape.n * shape.h * shape.w), gamma = gammaD.storage.pointer
                    for ch in 0..<c {
                        let terms = Tensor.BatchNormBackwardTerms(
                            sumG: sumG[ch], sumGX: sumGX[ch], count: m, invstd: invstd[ch], gamma: gamma[ch])
                        gg.storage.pointer[ch] = terms.gGamma
                        gb.storage.pointer[ch] = terms.gBeta
                        (meanG[ch], k[ch], scales[ch]) = (terms.meanG, terms.k, terms.scale)
                    }
                    (gGamma, gBeta) = (gg, gb)
                    coefficients = (UnsafePointer(mean), UnsafePointer(meanG), UnsafePointer(k), UnsafePointer(scales))
                }
                BlockedPooling.backward(
                    y.pointer, shape: shape, a: bn != nil ? affine.pointer : nil,
                    b: bn != nil ? affine.pointer + c : nil, g: g.pointer, out: result.pointer,
                    coefficients: coefficients, dx: gY.pointer)
            } else if let bn, let gammaD, let betaD {
                gY = buffer(count)
                let gg = Tensor(uninitializedShape: [c]), gb = Tensor(uninitializedShape: [c])
                BlockedLayout.batchNormBackward(
                    y.pointer, diffDst: g.pointer, diffSrc: gY.pointer, shape: shape, eps: bn.eps,
                    relu: relu, gamma: gammaD.storage.pointer, beta: betaD.storage.pointer, mean: statistics.pointer,
                    variance: statistics.pointer + c, workspace: relu ? UnsafeMutableRawPointer(bnMask.pointer) : nil,
                    diffGamma: gg.storage.pointer, diffBeta: gb.storage.pointer)
                (gGamma, gBeta) = (gg, gb)
            } else if relu {
                gY = buffer(count)
                let ga = g.pointer, yp = y.pointer, gp = gY.pointer
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
                gx =
                    parts.reordersInput
                    ? Tensor(blocked: gxs, parts.input, keepBlocked: false) : Tensor(shape: xShape, storage: gxs)
            }
            var grads: [Tensor?] = [gx, gw]
            if biasSlot != nil { grads.append(gBias) }
            if let bnSlot { grads += [needs[bnSlot] ? gGamma : nil, needs[bnSlot + 1] ? gBeta : nil] }
            return grads
        }
    }
}

extension BatchNorm2d {
    /// The per-channel `a = γ/σ̂` and `b = β − μ·a` of this batch norm over the convolution output `y` (nChw16c) of
    /// `shape`: in training from the batch's statistics (mean `μ` and `1/σ̂` written to `mean` and `invstd`, the
    /// running statistics and `num_batches_tracked` updated as ``BatchNorm2d`` does), else from the running ones.
    func blockedScaleShift(
        _ y: UnsafePointer<Float>, shape: BlockedLayout.Shape, training: Bool, mean: UnsafeMutablePointer<Float>,
        invstd: UnsafeMutablePointer<Float>, a: UnsafeMutablePointer<Float>, b: UnsafeMutablePointer<Float>
    ) {
        let gamma = weight!.storage.pointer, beta = bias!.storage.pointer
        guard training else {
            let rm = runningMean!.storage.pointer, rv = runningVar!.storage.pointer
            for ch in 0..<shape.c {
                let scale = 1 / (rv[ch] + eps).squareRoot() * gamma[ch]
                a[ch] = scale
                b[ch] = beta[ch] - rm[ch] * scale
            }
            return
        }
        // The biased variance goes to `invstd` first, then is replaced by 1/σ̂.
        BlockedPooling.moments(y, shape: shape, mean: mean, variance: invstd)
        let momentum = statisticsMomentum()
        let rm = runningMean?.storage.pointer, rv = runningVar?.storage.pointer
        for ch in 0..<shape.c {
            Tensor.setStatistics(
                ch, variance: Double(invstd[ch]), count: Double(shape.n * shape.h * shape.w), eps: eps,
                momentum: momentum, mean: mean, invstd: invstd, runningMean: rm, runningVar: rv)
            let scale = invstd[ch] * gamma[ch]
            a[ch] = scale
            b[ch] = beta[ch] - mean[ch] * scale
        }
    }
}
