extension Conv2d {
    /// `epilogue(bn(self(x)))`: the convolution, the batch norm `bn` and the epilogue (ReLU, or ReLU and 2×2 max
    /// pooling) as one operation.
    ///
    /// In training mode with gradients, where the convolution's backward passes are im2col + GEMM and `bn` normalises
    /// with local batch statistics, it runs fused: the normalised planes are pooled while in cache (the normalised
    /// tensor is not kept when pooling), and the backward pass computes the batch norm's input gradient
    /// `∂z = scale·(g' − mean(g') − (z − μ)·mean(g'·(z − μ))/σ²)` image by image inside the convolution's backward
    /// pass (``ConvPlan/backward(outGrad:input:weight:inputGradient:weightGradient:biasGradient:)``) instead of as a
    /// tensor; with pooling, the batch norm's gradient sums `Σ g'`, `Σ g'·(z − μ)` are read from the pooled gradient
    /// (one term per window, with `z` at its maximum as the forward pass kept it) without unpooling it. Values, running statistics and gradients are those
    /// of the layers called in turn, bitwise (with pooling the gradients differ by the order of those sums), which is
    /// what it does otherwise.
    public func forward(_ x: Tensor, batchNorm bn: BatchNorm2d, epilogue: Epilogue) -> Tensor {
        checkInput(x)
        guard let plan = fusablePlan(x, bn, pooling: epilogue == .reluMaxPool2x2) else {
            return bn.forward(self(x), epilogue: epilogue)
        }
        return Tensor.convBatchNorm(x, plan: plan, conv: self, bn: bn, epilogue: epilogue, residual: nil)
    }

    /// `relu(bn(self(x)) + residual)`, the end of a residual block, as one operation: fused as
    /// ``forward(_:batchNorm:epilogue:)`` (each plane normalised, added to `residual` and rectified in cache; the
    /// normalised tensor is not kept), with the same values and gradients as the layers and ``Tensor/relu()`` of the
    /// sum called in turn.
    public func forward(_ x: Tensor, batchNorm bn: BatchNorm2d, residual: Tensor) -> Tensor {
        checkInput(x)
        guard let plan = fusablePlan(x, bn, pooling: false),
            residual.shape == [plan.batch, plan.outChannels, plan.outHeight, plan.outWidth]
        else { return Tensor.addReLU(bn(self(x)), residual) }
        return Tensor.convBatchNorm(x, plan: plan, conv: self, bn: bn, epilogue: .relu, residual: residual)
    }

    /// The convolution's plan for `x` when the fused operation applies (training mode with gradients, local batch
    /// statistics, im2col + GEMM backward passes, more than one value per channel, room for the pooling), else `nil`.
    private func fusablePlan(_ x: Tensor, _ bn: BatchNorm2d, pooling: Bool) -> ConvPlan? {
        let recording =
            GradMode.isEnabled
            && (x.node != nil || weight.node != nil || bias?.node != nil || bn.weight?.node != nil
                || bn.bias?.node != nil)
        guard recording, bn.isTraining, bn.statisticsReducer == nil, x.rank == 4, bn.numFeatures == outChannels
        else { return nil }
        let plan = Tensor.conv2dPlan(
            input: x, weight: weight, bias: bias, stride: stride, padding: padding, dilation: dilation,
            groups: groups)
        guard plan.backwardIsFused, plan.batch * plan.colCols > 1, !pooling || plan.canPool2x2 else { return nil }
        return plan
    }
}

extension Tensor {
    /// The fused operation of ``Conv2d/forward(_:batchNorm:epilogue:)`` on a plan that qualifies.
    fileprivate static func convBatchNorm(
        _ x: Tensor, plan: ConvPlan, conv: Conv2d, bn: BatchNorm2d, epilogue: Epilogue, residual: Tensor?
    ) -> Tensor {
        let n = plan.batch, c = plan.outChannels, spatial = plan.colCols, m = n * spatial
        let pooling = epilogue == .reluMaxPool2x2, relu = epilogue != .none
        let pH = plan.outHeight / 2, pW = plan.outWidth / 2, pooledPlane = pH * pW
        let weight = conv.weight, convBias = conv.bias, gammaT = bn.weight, betaT = bn.bias
        let z = Tensor(uninitializedShape: [n, c, plan.outHeight, plan.outWidth])
        plan.forward(
            input: x.storage.pointer, weight: weight.storage.pointer, bias: convBias?.storage.pointer,
            output: z.storage.pointer)
        let momentum = bn.statisticsMomentum()
        let meanT = Tensor(uninitializedShape: [c]), invstdT = Tensor(uninitializedShape: [c])
        let out = Tensor(uninitializedShape: pooling ? [n, c, pH, pW] : z.shape)
        let argmax = pooling ? PoolIndices(.allocate(capacity: Swift.max(out.count, 1))) : nil
        // With pooling, each window's convolution output at its maximum, for the backward pass's sums.
        let zPooled = pooling ? Tensor(uninitializedShape: out.shape) : nil
        let zp = z.storage.pointer, op = out.storage.pointer, zq = zPooled?.storage.pointer
        let mean = meanT.storage.pointer, invstd = invstdT.storage.pointer
        let gamma = gammaT?.storage.pointer, beta = betaT?.storage.pointer
        let rm = bn.runningMean?.storage.pointer, rv = bn.runningVar?.storage.pointer
        // Per channel: statistics, then each plane normalised (and pooled from a plane in cache).
        let rp = residual?.storage.pointer
        Parallel.forEachChunk(c, cost: 3 * m) { range in
            let plane = UnsafeMutablePointer<Float>.allocate(capacity: pooling || rp != nil ? spatial : 1)
            defer { plane.deallocate() }
            for ch in range {
                let mu = Float(Tensor.channelSum(zp, n: n, c: c, spatial: spatial, channel: ch) / Double(m))
                let sq = Tensor.channelSquaredDeviation(zp, n: n, c: c, spatial: spatial, channel: ch, mean: mu)
                mean[ch] = mu
                Tensor.setStatistics(
                    ch, variance: sq / Double(m), count: Double(m), eps: bn.eps, momentum: momentum, mean: mean,
                    invstd: invstd, runningMean: rm, runningVar: rv)
                let scale = invstd[ch] * (gamma?[ch] ?? 1), shift = beta?[ch] ?? 0
                if let rp {
                    for b in 0..<n {
                        let off = (b * c + ch) * spatial
                        Kernels.scaleShift(zp + off, plane, spatial, scale, shift - mu * scale, relu: false)
                        Kernels.addReLU(plane, rp + off, op + off, spatial)
                    }
                    continue
                }
                guard let ix = argmax?.buffer.baseAddress else {
                    Tensor.normalizeChannel(
                        zp, op, n: n, c: c, spatial: spatial, channel: ch, mean: mu, scale: scale, shift: shift,
                        relu: relu)
                    continue
                }
                for b in 0..<n {
                    let p = b * c + ch
                    Kernels.scaleShift(zp + p * spatial, plane, spatial, scale, shift - mu * scale, relu: true)
                    Pooling.maxPool2x2(
                        plane, width: plan.outWidth, op + p * pooledPlane, indices: ix + p * pooledPlane,
                        outHeight: pH, outWidth: pW)
                    if let zq {
                        let zPlane = zp + p * spatial, q = p * pooledPlane
                        for i in 0..<pooledPlane { zq[q + i] = zPlane[Int(ix[q + i])] }
                    }
                }
            }
        }
        var inputs = [x, weight]
        let convBiasSlot = convBias.map {
            inputs.append($0); return inputs.count - 1
        }
        let gammaSlot = gammaT.map {
            inputs.append($0); return inputs.count - 1
        }
        let betaSlot = betaT.map {
            inputs.append($0); return inputs.count - 1
        }
        let residualSlot = residual.map {
            inputs.append($0); return inputs.count - 1
        }
        let xd = x.detach(), wd = weight.detach(), gammaD = gammaT?.detach()
        let name =
            residual != nil
            ? "conv2d_batch_norm_add_relu"
            : pooling ? "conv2d_batch_norm_relu_max_pool2d" : relu ? "conv2d_batch_norm_relu" : "conv2d_batch_norm"
        return Tensor.record(name, out, inputs) { upstream, needs in
            // With a residual, the gradient through the ReLU is the residual's gradient too: masked once, here.
            let masked = residual != nil ? Tensor.reluBackward(upstream, output: out) : upstream
            let gp = masked.storage.pointer, zp = z.storage.pointer
            let yp = relu && !pooling && residual == nil ? out.storage.pointer : nil
            let mean = meanT.storage.pointer, invstd = invstdT.storage.pointer
            let gamma = gammaD?.storage.pointer
            let ix = argmax?.buffer.baseAddress
            let needsGamma = gammaSlot.map { needs[$0] } ?? false, needsBeta = betaSlot.map { needs[$0] } ?? false
            let gGamma = needsGamma ? Tensor(uninitializedShape: [c]) : nil
            let gBeta = needsBeta ? Tensor(uninitializedShape: [c]) : nil
            /// Plane `p`'s gradient of the normalisation's output `g'` (the pooled gradient routed to each window's
            /// maximum where it is positive) into `dst`.
            func unpool(_ p: Int, into dst: UnsafeMutablePointer<Float>) {
                Pooling.maxPool2x2Backward(
                    gp + p * pooledPlane, output: op + p * pooledPlane, indices: ix! + p * pooledPlane, dst,
                    height: plan.outHeight, width: plan.outWidth, outHeight: pH, outWidth: pW)
            }
            // Per channel: Σ g' and Σ g'·(z − μ), then ∂γ, ∂β and the coefficients of ∂z.
            let coefficients = UnsafeMutablePointer<Float>.allocate(capacity: 3 * c)
            defer { coefficients.deallocate() }
            let meanG = coefficients, k = coefficients + c, scales = coefficients + 2 * c
            Parallel.forEachChunk(c, cost: 3 * m) { range in
                var pair = SIMD2<Float>()
                for ch in range {
                    let mu = mean[ch], istd = invstd[ch]
                    var sumG = 0.0, sumGX = 0.0
                    if let zq = zPooled?.storage.pointer {
                        // One term per window, at its maximum: the sums over the unpooled gradient, which is zero
                        // elsewhere.
                        for b in 0..<n {
                            let o = (b * c + ch) * pooledPlane
                            pair = SIMD2<Float>()
                            withUnsafeMutablePointer(to: &pair) { pp in
                                pp.withMemoryRebound(to: Float.self, capacity: 2) { sums in
                                    Kernels.batchNormBackwardSums(gp + o, zq + o, op + o, pooledPlane, mu, sums)
                                }
                            }
                            sumG += Double(pair[0])
                            sumGX += Double(pair[1])
                        }
                    } else {
                        (sumG, sumGX) = Tensor.channelBackwardSums(
                            gp, zp, yp, n: n, c: c, spatial: spatial, channel: ch, mean: mu, pair: &pair)
                    }
                    let terms = Tensor.BatchNormBackwardTerms(
                        sumG: sumG, sumGX: sumGX, count: Double(m), invstd: istd, gamma: gamma?[ch] ?? 1)
                    gGamma?.storage.pointer[ch] = terms.gGamma
                    gBeta?.storage.pointer[ch] = terms.gBeta
                    (meanG[ch], k[ch], scales[ch]) = (terms.meanG, terms.k, terms.scale)
                }
            }
            let needsConvBias = convBiasSlot.map { needs[$0] } ?? false
            let gx = needs[0] ? Tensor(uninitializedShape: xd.shape) : nil
            let gw = needs[1] ? Tensor(uninitializedShape: wd.shape) : nil
            let gb = needsConvBias ? Tensor(uninitializedShape: [c]) : nil
            if needs[0] || needs[1] || needsConvBias {
                plan.backward(
                    outGrad: .perImage { image, dst in
                        let plane = UnsafeMutablePointer<Float>.allocate(capacity: pooling ? spatial : 1)
                        defer { plane.deallocate() }
                        for ch in 0..<c {
                            let p = image * c + ch
                            let g: UnsafePointer<Float>
                            if pooling {
                                unpool(p, into: plane)
                                g = UnsafePointer(plane)
                            } else {
                                g = UnsafePointer(gp + p * spatial)
                            }
                            Kernels.batchNormBackwardApply(
                                g, zp + p * spatial, yp.map { UnsafePointer($0 + p * spatial) }, dst + ch * spatial,
                                spatial, mu: mean[ch], meanG: meanG[ch], k: k[ch], scale: scales[ch])
                        }
                    }, input: xd.storage.pointer, weight: wd.storage.pointer, inputGradient: gx?.storage.pointer,
                    weightGradient: gw?.storage.pointer, biasGradient: gb?.storage.pointer)
            }
            var grads: [Tensor?] = [gx, gw]
            if convBiasSlot != nil { grads.append(gb) }
            if gammaSlot != nil { grads.append(gGamma) }
            if betaSlot != nil { grads.append(gBeta) }
            if let residualSlot { grads.append(needs[residualSlot] ? masked : nil) }
            return grads
        }
    }
}
