extension BasicBlock {
    /// `relu(bn2(conv2(relu(bn1(conv1(x))))) + shortcut(x))` with the activations inside the block kept in oneDNN's
    /// blocked layout nChw16c, as one operation; `nil` when it does not apply (then the caller runs the layers).
    ///
    /// It applies in training mode with gradients and local batch statistics (no SyncBatchNorm), and in eval mode
    /// without gradients (the batch norms normalising with their running statistics), with affine batch norms,
    /// convolutions without bias whose channel counts are multiples of 16, float32, when every pass has a oneDNN JIT
    /// primitive on this CPU and the process's convolution choice is automatic or `onednn-blocked`. The input is
    /// reordered into nChw16c once, the convolutions (oneDNN's direct kernels), batch norms (oneDNN's, ReLU fused)
    /// and the residual sum run there, and the output is reordered back to NCHW; the backward pass reorders the
    /// output gradient in and the input gradient out. Values and gradients are those of the layers in turn up to
    /// the order of the sums (the tests compare them); the running statistics are updated as the layers do.
    func blockedForward(_ x: Tensor) -> Tensor? {
        guard let parts = BlockedBlockParts(block: self, inputShape: x.shape, recording: Self.records(self, x)) else {
            return nil
        }
        return Tensor.blockedResidualBlock(x, parts, inputBlocked: false, outputBlocked: false)
    }

    /// `blocks` applied in turn: runs of blocks that take the blocked path (``blockedForward(_:)``) pass their
    /// activations to each other in nChw16c (and their gradients back), so that only the first reorders its input
    /// and only the last its output; the values are those of calling the blocks one after another.
    static func forward(chain blocks: [BasicBlock], _ x: Tensor) -> Tensor {
        var y = x, blocked = false
        var parts = BlockedBlockParts(block: blocks[0], inputShape: x.shape, recording: records(blocks[0], x))
        for i in blocks.indices {
            guard let current = parts else {
                y = blocks[i](y)
                if i + 1 < blocks.count {
                    parts = BlockedBlockParts(
                        block: blocks[i + 1], inputShape: y.shape, recording: records(blocks[i + 1], y))
                }
                continue
            }
            let outShape = [current.output.n, current.output.c, current.output.h, current.output.w]
            // The next block continues in nChw16c when it takes the blocked path too (it records when this one does,
            // or when its own parameters do).
            parts =
                i + 1 < blocks.count
                ? BlockedBlockParts(
                    block: blocks[i + 1], inputShape: outShape,
                    recording: current.training || parametersRecord(blocks[i + 1]))
                : nil
            y = Tensor.blockedResidualBlock(y, current, inputBlocked: blocked, outputBlocked: parts != nil)
            blocked = parts != nil
        }
        return y
    }

    /// Whether a call of `block` on `x` records for autodiff.
    private static func records(_ block: BasicBlock, _ x: Tensor) -> Bool {
        x.node != nil && GradMode.isEnabled || parametersRecord(block)
    }

    /// Whether a call of `block` records for autodiff because of its parameters.
    private static func parametersRecord(_ block: BasicBlock) -> Bool {
        GradMode.isEnabled && block.parameters().contains { $0.node != nil }
    }
}

/// The layers of a ``BasicBlock`` with the plans of its convolutions for one input, when the blocked path applies.
struct BlockedBlockParts {
    /// `conv1`, `conv2` and the shortcut's convolution (`nil` for the identity).
    let convs: [Conv2d]
    /// `bn1`, `bn2` and the shortcut's batch norm.
    let norms: [BatchNorm2d]
    /// The convolutions' plans, in the order of ``convs``.
    let plans: [ConvPlan]
    /// The block's input and output shapes.
    let input, output: BlockedLayout.Shape
    /// Training mode with gradients (batch statistics, a backward pass), or else eval mode without gradients
    /// (running statistics, forward only).
    let training: Bool

    /// The parts of `block` for an input of `inputShape`, or `nil` when the blocked path does not apply (`recording`:
    /// whether the call records for autodiff).
    init?(block: BasicBlock, inputShape: [Int], recording: Bool) {
        switch ConvolutionChoice.configured {
        case .automatic, .fixed(.onednnBlocked): break
        default: return nil
        }
        guard inputShape.count == 4 else { return nil }
        switch block.shortcut.count {
        case 0:
            convs = [block.conv1, block.conv2]
            norms = [block.bn1, block.bn2]
        case 2:
            guard let conv = block.shortcut[0] as? Conv2d, let bn = block.shortcut[1] as? BatchNorm2d else {
                return nil
            }
            convs = [block.conv1, block.conv2, conv]
            norms = [block.bn1, block.bn2, bn]
        default: return nil
        }
        training = recording
        guard convs.allSatisfy({ $0.bias == nil && $0.groups == 1 }),
            norms.allSatisfy({
                $0.weight != nil && $0.bias != nil && $0.numFeatures == block.conv2.outChannels
                    && (recording
                        ? $0.isTraining && $0.statisticsReducer == nil
                        : !$0.isTraining && $0.runningMean != nil && $0.runningVar != nil)
            })
        else { return nil }
        guard let p1 = Self.plan(convs[0], inputShape),
            let p2 = Self.plan(convs[1], [p1.batch, p1.outChannels, p1.outHeight, p1.outWidth])
        else { return nil }
        var plans = [p1, p2]
        if convs.count == 3 {
            guard let ps = Self.plan(convs[2], inputShape), ps.outHeight == p2.outHeight, ps.outWidth == p2.outWidth
            else { return nil }
            plans.append(ps)
        } else {
            guard inputShape == [p2.batch, p2.outChannels, p2.outHeight, p2.outWidth] else { return nil }
        }
        self.plans = plans
        input = BlockedLayout.Shape(n: inputShape[0], c: inputShape[1], h: inputShape[2], w: inputShape[3])
        output = BlockedLayout.Shape(n: p2.batch, c: p2.outChannels, h: p2.outHeight, w: p2.outWidth)
        guard output.n * output.h * output.w > 1, plans.allSatisfy({ $0.hasBlockedPrimitives() }),
            BlockedLayout.isAvailable(input, eps: 0, relu: []),
            BlockedLayout.isAvailable(output, eps: norms[0].eps, relu: [true]),
            norms.dropFirst().allSatisfy({ BlockedLayout.isAvailable(output, eps: $0.eps, relu: [false]) })
        else { return nil }
    }

    /// The plan of `conv` on an input of `shape`, or `nil` when the shapes do not fit.
    static func plan(_ conv: Conv2d, _ shape: [Int]) -> ConvPlan? {
        guard
            let out = try? Tensor.conv2dOutputShape(
                input: shape, weight: conv.weight.shape, bias: nil, stride: conv.stride, padding: conv.padding,
                dilation: conv.dilation, groups: 1)
        else { return nil }
        return ConvPlan(
            batch: shape[0], inChannels: shape[1], height: shape[2], width: shape[3], outChannels: out[1],
            outHeight: out[2], outWidth: out[3], groups: 1, kernelH: conv.weight.shape[2],
            kernelW: conv.weight.shape[3], strideH: conv.stride.height, strideW: conv.stride.width,
            padH: conv.padding.height, padW: conv.padding.width, dilationH: conv.dilation.height,
            dilationW: conv.dilation.width)
    }
}

extension Tensor {
    /// The residual block of ``BasicBlock/blockedForward(_:)`` on parts that qualify; with `inputBlocked` the input
    /// (and the gradient returned for it) is in nChw16c already, with `outputBlocked` the output (and the gradient
    /// that comes back for it) stays in nChw16c: a tensor only the next block of a chain may read.
    fileprivate static func blockedResidualBlock(
        _ x: Tensor, _ parts: BlockedBlockParts, inputBlocked: Bool, outputBlocked: Bool
    ) -> Tensor {
        let inShape = parts.input, outShape = parts.output, count = outShape.count, c = outShape.c
        let hasShortcut = parts.convs.count == 3
        let weights = parts.convs.map { $0.weight }
        let gammas = parts.norms.map { $0.weight! }, betas = parts.norms.map { $0.bias! }
        let buffer = { (n: Int) in TensorStorage(uninitializedCount: n) }
        // Forward: the input in nChw16c, then conv1 → bn1 + ReLU → conv2 → bn2, the shortcut, the sum and its ReLU.
        let xb = x.blockedStorage(inShape, isBlocked: inputBlocked)
        let statistics = buffer(parts.training ? 2 * c * parts.norms.count : 0)
        let mean = { (i: Int) in statistics.pointer + 2 * c * i }, variance = { (i: Int) in mean(i) + c }
        let mask = buffer(
            parts.training ? (BlockedLayout.workspaceBytes(outShape, eps: parts.norms[0].eps) + 3) / 4 : 0)
        /// Runs batch norm `i` from `src` into `dst` (``BatchNorm2d/normalizeBlocked(_:_:shape:relu:training:mean:variance:mask:)``).
        func normalize(_ i: Int, _ src: TensorStorage, _ dst: TensorStorage, relu: Bool) {
            parts.norms[i].normalizeBlocked(
                src, dst, shape: outShape, relu: relu, training: parts.training, mean: mean(i), variance: variance(i),
                mask: mask)
        }
        // h1 = relu(bn1(y1)) is not kept: the backward pass computes it again from y1 and the statistics.
        let y1 = buffer(count), y2 = buffer(count), z2 = buffer(count)
        parts.plans[0].runBlocked(.forward, src: xb.pointer, weights: weights[0].storage.pointer, dst: y1.pointer)
        do {
            let h1 = buffer(count)
            normalize(0, y1, h1, relu: true)
            parts.plans[1].runBlocked(.forward, src: h1.pointer, weights: weights[1].storage.pointer, dst: y2.pointer)
        }
        normalize(1, y2, z2, relu: false)
        // The shortcut's convolution output (kept for its batch norm's backward pass) and its normalised values.
        let shortcut = hasShortcut ? (buffer(count), buffer(count)) : nil
        if let (sb, zs) = shortcut {
            parts.plans[2].runBlocked(.forward, src: xb.pointer, weights: weights[2].storage.pointer, dst: sb.pointer)
            normalize(2, sb, zs, relu: false)
        }
        let outb = buffer(count)
        let zp = z2.pointer, rp = (shortcut?.1 ?? xb).pointer, op = outb.pointer
        Parallel.forEachChunk(count) { r in
            Kernels.addReLU(zp + r.lowerBound, rp + r.lowerBound, op + r.lowerBound, r.count)
        }
        let out = Tensor(blocked: outb, outShape, keepBlocked: outputBlocked)

        guard parts.training else { return out }
        var inputs = [x] + weights
        for i in parts.norms.indices { inputs += [gammas[i], betas[i]] }
        let gammasD = gammas.map { $0.detach() }, betasD = betas.map { $0.detach() },
            weightsD = weights.map { $0.detach() }
        return Tensor.record("basic_block_blocked", out, inputs) { upstream, needs in
            let gOut = upstream.blockedStorage(outShape, isBlocked: outputBlocked), g = buffer(count)
            let gp = gOut.pointer, ob = outb.pointer, mp = g.pointer
            Parallel.forEachChunk(count) { r in
                Kernels.reluBackward(gp + r.lowerBound, ob + r.lowerBound, mp + r.lowerBound, r.count)
            }
            var gGamma = [Tensor](), gBeta = [Tensor]()
            for _ in parts.norms.indices {
                gGamma.append(Tensor(uninitializedShape: [c]))
                gBeta.append(Tensor(uninitializedShape: [c]))
            }
            /// Batch norm `i`'s backward from `diffDst` into `diffSrc` (and its ∂γ, ∂β).
            func normalizeBackward(
                _ i: Int, _ src: TensorStorage, _ diffDst: TensorStorage, _ diffSrc: TensorStorage, relu: Bool
            ) {
                BlockedLayout.batchNormBackward(
                    src.pointer, diffDst: diffDst.pointer, diffSrc: diffSrc.pointer, shape: outShape,
                    eps: parts.norms[i].eps, relu: relu, gamma: gammasD[i].storage.pointer,
                    beta: betasD[i].storage.pointer, mean: mean(i),
                    variance: variance(i), workspace: relu ? UnsafeMutableRawPointer(mask.pointer) : nil,
                    diffGamma: gGamma[i].storage.pointer, diffBeta: gBeta[i].storage.pointer)
            }
            /// Convolution `i`'s weight gradient from its input `src` and output gradient `gy`, when needed.
            func weightGradient(_ i: Int, _ src: TensorStorage, _ gy: TensorStorage) -> Tensor? {
                guard needs[1 + i] else { return nil }
                let gw = Tensor(uninitializedShape: weightsD[i].shape)
                parts.plans[i].runBlocked(
                    .backwardWeights, src: src.pointer, weights: gw.storage.pointer, dst: gy.pointer)
                return gw
            }
            let gy2 = buffer(count), gh1 = buffer(count), gy1 = buffer(count)
            normalizeBackward(1, y2, g, gy2, relu: false)
            parts.plans[1].runBlocked(
                .backwardData, src: gh1.pointer, weights: weightsD[1].storage.pointer, dst: gy2.pointer)
            var gw2: Tensor?
            if needs[2] {
                let h1 = buffer(count)
                BlockedLayout.batchNormForward(
                    y1.pointer, h1.pointer, shape: outShape, eps: parts.norms[0].eps, relu: true,
                    gamma: gammasD[0].storage.pointer, beta: betasD[0].storage.pointer, mean: mean(0),
                    variance: variance(0), workspace: nil, givenStatistics: true)
                gw2 = weightGradient(1, h1, gy2)
            }
            normalizeBackward(0, y1, gh1, gy1, relu: true)
            let gw1 = weightGradient(0, xb, gy1)
            var gws: Tensor?
            var gShortcut = g
            if let s = shortcut?.0 {
                let gs = buffer(count)
                normalizeBackward(2, s, g, gs, relu: false)
                gws = weightGradient(2, xb, gs)
                if needs[0] {
                    gShortcut = buffer(inShape.count)
                    parts.plans[2].runBlocked(
                        .backwardData, src: gShortcut.pointer, weights: weightsD[2].storage.pointer, dst: gs.pointer)
                }
            }
            var gx: Tensor?
            if needs[0] {
                let gxb = buffer(inShape.count)
                parts.plans[0].runBlocked(
                    .backwardData, src: gxb.pointer, weights: weightsD[0].storage.pointer, dst: gy1.pointer)
                let a = gxb.pointer, b = gShortcut.pointer
                Parallel.forEachChunk(inShape.count) { r in for i in r { a[i] += b[i] } }
                gx = Tensor(blocked: gxb, inShape, keepBlocked: inputBlocked)
            }
            var grads: [Tensor?] = [gx, gw1, gw2]
            if hasShortcut { grads.append(gws) }
            for i in parts.norms.indices {
                grads.append(needs[1 + weightsD.count + 2 * i] ? gGamma[i] : nil)
                grads.append(needs[2 + weightsD.count + 2 * i] ? gBeta[i] : nil)
            }
            return grads
        }
    }
}

extension BatchNorm2d {
    /// This batch norm (affine) from `src` into `dst`, both of `shape` in nChw16c, ReLU fused when `relu`: in
    /// training with the batch's statistics (written to `mean` and `variance`, the ReLU's mask to `mask`), then
    /// updating the running ones as ``Tensor/batchNorm(runningMean:runningVar:weight:bias:training:momentum:eps:)``
    /// does; else with the running ones.
    func normalizeBlocked(
        _ src: TensorStorage, _ dst: TensorStorage, shape: BlockedLayout.Shape, relu: Bool, training: Bool,
        mean: UnsafeMutablePointer<Float>, variance: UnsafeMutablePointer<Float>, mask: TensorStorage
    ) {
        let gamma = weight!.storage.pointer, beta = bias!.storage.pointer
        guard training else {
            BlockedLayout.batchNormForward(
                src.pointer, dst.pointer, shape: shape, eps: eps, relu: relu, gamma: gamma, beta: beta,
                mean: runningMean!.storage.pointer, variance: runningVar!.storage.pointer, workspace: nil,
                givenStatistics: true)
            return
        }
        BlockedLayout.batchNormForward(
            src.pointer, dst.pointer, shape: shape, eps: eps, relu: relu, gamma: gamma, beta: beta, mean: mean,
            variance: variance, workspace: relu ? UnsafeMutableRawPointer(mask.pointer) : nil)
        let momentum = statisticsMomentum()
        guard let rm = runningMean?.storage.pointer, let rv = runningVar?.storage.pointer else { return }
        let m = Double(shape.n * shape.h * shape.w)
        for ch in 0..<shape.c {
            rm[ch] = (1 - momentum) * rm[ch] + momentum * mean[ch]
            rv[ch] = (1 - momentum) * rv[ch] + momentum * Float(Double(variance[ch]) * m / (m - 1))
        }
    }

    /// Whether this batch norm can run in nChw16c over `shape` (ReLU fused when `relu`): affine, on `shape.c`
    /// features, in training with local statistics when `training` (else in eval mode with running statistics), with
    /// oneDNN's primitives on this CPU, or Descent's own kernels when `pooled` (followed by ReLU and 2×2 max pooling,
    /// ``BlockedPooling``).
    func canNormalizeBlocked(_ shape: BlockedLayout.Shape, relu: Bool, training: Bool, pooled: Bool = false) -> Bool {
        guard weight != nil, bias != nil, numFeatures == shape.c, shape.n * shape.h * shape.w > 1,
            training
                ? isTraining && statisticsReducer == nil : !isTraining && runningMean != nil && runningVar != nil
        else { return false }
        return pooled || BlockedLayout.isAvailable(shape, eps: eps, relu: [relu])
    }
}

extension Tensor {
    /// The `[n, c, h, w]` tensor of `storage`, which holds it in nChw16c: that storage itself when `keepBlocked` (a
    /// tensor only the next member of a blocked chain reads), else a copy reordered into NCHW.
    init(blocked storage: TensorStorage, _ shape: BlockedLayout.Shape, keepBlocked: Bool) {
        let dims = [shape.n, shape.c, shape.h, shape.w]
        guard !keepBlocked else {
            self.init(shape: dims, storage: storage)
            return
        }
        self.init(uninitializedShape: dims)
        BlockedLayout.reorder(storage.pointer, self.storage.pointer, shape: shape, toBlocked: false)
    }

    /// This `[n, c, h, w]` tensor's values in nChw16c: its own storage when `isBlocked` (a tensor of a blocked
    /// chain), else a copy reordered from NCHW.
    func blockedStorage(_ shape: BlockedLayout.Shape, isBlocked: Bool) -> TensorStorage {
        guard !isBlocked else { return storage }
        let blocked = TensorStorage(uninitializedCount: shape.count)
        BlockedLayout.reorder(storage.pointer, blocked.pointer, shape: shape, toBlocked: true)
        return blocked
    }
}
