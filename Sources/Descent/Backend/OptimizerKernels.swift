import CDescentKernels

// The element passes of the seven optimizers' update rules: each rule's C kernel (compiled for AVX-512, AVX2 and the
// baseline, chosen at run time) next to the same pass written one element at a time in Swift, which the tests
// compare it with bit for bit.

extension AdamRule {
    /// The Adam pass over `range` through the vectorized C kernel `descent_adam_update`, which evaluates the same
    /// expressions in the same order as ``scalarUpdate``.
    @inline(__always)
    static func kernelUpdate(
        _ range: Range<Int>, _ p: UnsafeMutablePointer<Float>, _ grad: UnsafePointer<Float>,
        _ m: UnsafeMutablePointer<Float>, _ v: UnsafeMutablePointer<Float>,
        _ vmax: UnsafeMutablePointer<Float>?, _ c: Constants
    ) {
        var step = c.kernelStep
        let o = range.lowerBound
        descent_adam_update(p + o, grad + o, m + o, v + o, vmax.map { $0 + o }, range.count, &step, c.amsgrad ? 1 : 0)
    }

    /// The Adam pass one element at a time (the reference of the C kernel in tests).
    static func scalarUpdate(
        _ range: Range<Int>, _ p: UnsafeMutablePointer<Float>, _ grad: UnsafePointer<Float>,
        _ m: UnsafeMutablePointer<Float>, _ v: UnsafeMutablePointer<Float>,
        _ vmax: UnsafeMutablePointer<Float>?, _ c: Constants
    ) {
        for i in range {
            var g = c.maximize ? -grad[i] : grad[i]
            if c.decoupledDecay { p[i] = p[i] * c.decayFactor }
            if c.coupledDecay { g = g + c.weightDecay * p[i] }
            let mi = torchLerp(m[i], g, c.oneMinusBeta1)
            m[i] = mi
            let vi = v[i] * c.beta2 + c.oneMinusBeta2 * g * g
            v[i] = vi
            var second = vi
            if let vmax {
                second = Swift.max(vmax[i], vi)
                vmax[i] = second
            }
            let denom = second.squareRoot() / c.biasCorrection2Sqrt + c.eps
            p[i] = p[i] + c.negStepSize * mi / denom
        }
    }
}

extension AdamRule.Constants {
    /// The coefficients as the C kernel `descent_adam_update` takes them.
    var kernelStep: descent_adam_step {
        descent_adam_step(
            oneMinusBeta1: oneMinusBeta1, beta2: beta2, oneMinusBeta2: oneMinusBeta2, negStepSize: negStepSize,
            biasCorrection2Sqrt: biasCorrection2Sqrt, eps: eps, weightDecay: weightDecay,
            decayFactor: decayFactor, maximize: maximize ? 1 : 0, coupledDecay: coupledDecay ? 1 : 0,
            decoupledDecay: decoupledDecay ? 1 : 0)
    }
}

extension SGDRule {
    /// The SGD pass over `range` through the vectorized C kernel `descent_sgd_update`, which evaluates the same
    /// expressions in the same order as ``scalarUpdate``.
    @inline(__always)
    static func kernelUpdate(
        _ range: Range<Int>, _ p: UnsafeMutablePointer<Float>, _ grad: UnsafePointer<Float>,
        _ buf: UnsafeMutablePointer<Float>?, _ c: Constants
    ) {
        var step = c.kernelStep
        let o = range.lowerBound
        descent_sgd_update(p + o, grad + o, buf.map { $0 + o }, range.count, &step)
    }

    /// The SGD pass one element at a time (the reference of the C kernel in tests).
    static func scalarUpdate(
        _ range: Range<Int>, _ p: UnsafeMutablePointer<Float>, _ grad: UnsafePointer<Float>,
        _ buf: UnsafeMutablePointer<Float>?, _ c: Constants
    ) {
        for i in range {
            var g = c.maximize ? -grad[i] : grad[i]
            if c.decay { g = g + c.weightDecay * p[i] }
            if let buf {
                let b = c.first ? g : c.momentum * buf[i] + c.oneMinusDampening * g
                buf[i] = b
                g = c.nesterov ? g + c.momentum * b : b
            }
            p[i] = p[i] + c.negLR * g
        }
    }
}

extension SGDRule.Constants {
    /// The coefficients as the C kernel `descent_sgd_update` takes them.
    var kernelStep: descent_sgd_step {
        descent_sgd_step(
            negLR: negLR, weightDecay: weightDecay, momentum: momentum, oneMinusDampening: oneMinusDampening,
            maximize: maximize ? 1 : 0, decay: decay ? 1 : 0, useMomentum: useMomentum ? 1 : 0,
            first: first ? 1 : 0, nesterov: nesterov ? 1 : 0)
    }
}

extension RMSpropRule {
    /// The RMSprop pass over `range` through the vectorized C kernel `descent_rmsprop_update`, which evaluates the same
    /// expressions in the same order as ``scalarUpdate``.
    @inline(__always)
    static func kernelUpdate(
        _ range: Range<Int>, _ p: UnsafeMutablePointer<Float>, _ grad: UnsafePointer<Float>,
        _ sq: UnsafeMutablePointer<Float>, _ ga: UnsafeMutablePointer<Float>?,
        _ buf: UnsafeMutablePointer<Float>?, _ c: Constants
    ) {
        var step = c.kernelStep
        let o = range.lowerBound
        descent_rmsprop_update(p + o, grad + o, sq + o, ga.map { $0 + o }, buf.map { $0 + o }, range.count, &step)
    }

    /// The RMSprop pass one element at a time (the reference of the C kernel in tests).
    static func scalarUpdate(
        _ range: Range<Int>, _ p: UnsafeMutablePointer<Float>, _ grad: UnsafePointer<Float>,
        _ sq: UnsafeMutablePointer<Float>, _ ga: UnsafeMutablePointer<Float>?,
        _ buf: UnsafeMutablePointer<Float>?, _ c: Constants
    ) {
        for i in range {
            var g = c.maximize ? -grad[i] : grad[i]
            if c.decay { g = g + c.weightDecay * p[i] }
            let s = c.alpha * sq[i] + c.oneMinusAlpha * g * g
            sq[i] = s
            var avg: Float
            if let ga {
                let m = torchLerp(ga[i], g, c.oneMinusAlpha)
                ga[i] = m
                avg = (s - m * m).squareRoot()
            } else {
                avg = s.squareRoot()
            }
            avg = avg + c.eps
            if let buf {
                let b = c.momentum * buf[i] + g / avg
                buf[i] = b
                p[i] = p[i] + c.negLR * b
            } else {
                p[i] = p[i] + c.negLR * g / avg
            }
        }
    }
}

extension RMSpropRule.Constants {
    /// The coefficients as the C kernel `descent_rmsprop_update` takes them.
    var kernelStep: descent_rmsprop_step {
        descent_rmsprop_step(
            negLR: negLR, alpha: alpha, oneMinusAlpha: oneMinusAlpha, eps: eps, weightDecay: weightDecay,
            momentum: momentum, maximize: maximize ? 1 : 0, decay: decay ? 1 : 0,
            centered: centered ? 1 : 0, useMomentum: useMomentum ? 1 : 0)
    }
}

extension AdagradRule {
    /// The Adagrad pass over `range` through the vectorized C kernel `descent_adagrad_update`, which evaluates the same
    /// expressions in the same order as ``scalarUpdate``.
    @inline(__always)
    static func kernelUpdate(
        _ range: Range<Int>, _ p: UnsafeMutablePointer<Float>, _ grad: UnsafePointer<Float>,
        _ sum: UnsafeMutablePointer<Float>, _ c: Constants
    ) {
        let o = range.lowerBound
        descent_adagrad_update(
            p + o, grad + o, sum + o, range.count, c.negLR, c.eps, c.weightDecay, c.maximize ? 1 : 0,
            c.decay ? 1 : 0)
    }

    /// The Adagrad pass one element at a time (the reference of the C kernel in tests).
    static func scalarUpdate(
        _ range: Range<Int>, _ p: UnsafeMutablePointer<Float>, _ grad: UnsafePointer<Float>,
        _ sum: UnsafeMutablePointer<Float>, _ c: Constants
    ) {
        for i in range {
            var g = c.maximize ? -grad[i] : grad[i]
            if c.decay { g = g + c.weightDecay * p[i] }
            let s = sum[i] + g * g
            sum[i] = s
            p[i] = p[i] + c.negLR * g / (s.squareRoot() + c.eps)
        }
    }
}

extension AdamaxRule {
    /// The Adamax pass over `range` through the vectorized C kernel `descent_adamax_update`, which evaluates the same
    /// expressions in the same order as ``scalarUpdate``.
    @inline(__always)
    static func kernelUpdate(
        _ range: Range<Int>, _ p: UnsafeMutablePointer<Float>, _ grad: UnsafePointer<Float>,
        _ m: UnsafeMutablePointer<Float>, _ u: UnsafeMutablePointer<Float>, _ c: Constants
    ) {
        var step = c.kernelStep
        let o = range.lowerBound
        descent_adamax_update(p + o, grad + o, m + o, u + o, range.count, &step)
    }

    /// The Adamax pass one element at a time (the reference of the C kernel in tests).
    static func scalarUpdate(
        _ range: Range<Int>, _ p: UnsafeMutablePointer<Float>, _ grad: UnsafePointer<Float>,
        _ m: UnsafeMutablePointer<Float>, _ u: UnsafeMutablePointer<Float>, _ c: Constants
    ) {
        for i in range {
            var g = c.maximize ? -grad[i] : grad[i]
            if c.decay { g = g + c.weightDecay * p[i] }
            let mi = torchLerp(m[i], g, c.oneMinusBeta1)
            m[i] = mi
            let ui = Swift.max(u[i] * c.beta2, Swift.abs(g) + c.eps)
            u[i] = ui
            p[i] = p[i] + c.negStepSize * mi / ui
        }
    }
}

extension AdamaxRule.Constants {
    /// The coefficients as the C kernel `descent_adamax_update` takes them.
    var kernelStep: descent_adamax_step {
        descent_adamax_step(
            oneMinusBeta1: oneMinusBeta1, beta2: beta2, eps: eps, negStepSize: negStepSize,
            weightDecay: weightDecay, maximize: maximize ? 1 : 0, decay: decay ? 1 : 0)
    }
}

extension NAdamRule {
    /// The NAdam pass over `range` through the vectorized C kernel `descent_nadam_update`, which evaluates the same
    /// expressions in the same order as ``scalarUpdate``.
    @inline(__always)
    static func kernelUpdate(
        _ range: Range<Int>, _ p: UnsafeMutablePointer<Float>, _ grad: UnsafePointer<Float>,
        _ m: UnsafeMutablePointer<Float>, _ v: UnsafeMutablePointer<Float>, _ c: Constants
    ) {
        var step = c.kernelStep
        let o = range.lowerBound
        descent_nadam_update(p + o, grad + o, m + o, v + o, range.count, &step)
    }

    /// The NAdam pass one element at a time (the reference of the C kernel in tests).
    static func scalarUpdate(
        _ range: Range<Int>, _ p: UnsafeMutablePointer<Float>, _ grad: UnsafePointer<Float>,
        _ m: UnsafeMutablePointer<Float>, _ v: UnsafeMutablePointer<Float>, _ c: Constants
    ) {
        for i in range {
            var g = c.maximize ? -grad[i] : grad[i]
            if c.decoupledDecay { p[i] = p[i] * c.decayFactor }
            if c.coupledDecay { g = g + c.weightDecay * p[i] }
            let mi = torchLerp(m[i], g, c.oneMinusBeta1)
            m[i] = mi
            let vi = v[i] * c.beta2 + c.oneMinusBeta2 * g * g
            v[i] = vi
            let denom = (vi / c.biasCorrection2).squareRoot() + c.eps
            let q = p[i] + c.gradCoefficient * g / denom
            p[i] = q + c.momentCoefficient * mi / denom
        }
    }
}

extension NAdamRule.Constants {
    /// The coefficients as the C kernel `descent_nadam_update` takes them.
    var kernelStep: descent_nadam_step {
        descent_nadam_step(
            oneMinusBeta1: oneMinusBeta1, beta2: beta2, oneMinusBeta2: oneMinusBeta2,
            biasCorrection2: biasCorrection2, eps: eps, weightDecay: weightDecay, decayFactor: decayFactor,
            gradCoefficient: gradCoefficient, momentCoefficient: momentCoefficient,
            maximize: maximize ? 1 : 0, coupledDecay: coupledDecay ? 1 : 0,
            decoupledDecay: decoupledDecay ? 1 : 0)
    }
}

extension RAdamRule {
    /// The RAdam pass over `range` through the vectorized C kernel `descent_radam_update`, which evaluates the same
    /// expressions in the same order as ``scalarUpdate``.
    @inline(__always)
    static func kernelUpdate(
        _ range: Range<Int>, _ p: UnsafeMutablePointer<Float>, _ grad: UnsafePointer<Float>,
        _ m: UnsafeMutablePointer<Float>, _ v: UnsafeMutablePointer<Float>, _ c: Constants
    ) {
        var step = c.kernelStep
        let o = range.lowerBound
        descent_radam_update(p + o, grad + o, m + o, v + o, range.count, &step)
    }

    /// The RAdam pass one element at a time (the reference of the C kernel in tests).
    static func scalarUpdate(
        _ range: Range<Int>, _ p: UnsafeMutablePointer<Float>, _ grad: UnsafePointer<Float>,
        _ m: UnsafeMutablePointer<Float>, _ v: UnsafeMutablePointer<Float>, _ c: Constants
    ) {
        for i in range {
            var g = c.maximize ? -grad[i] : grad[i]
            if c.decoupledDecay { p[i] = p[i] * c.decayFactor }
            if c.coupledDecay { g = g + c.weightDecay * p[i] }
            let mi = torchLerp(m[i], g, c.oneMinusBeta1)
            m[i] = mi
            let vi = v[i] * c.beta2 + c.oneMinusBeta2 * g * g
            v[i] = vi
            let corrected = mi / c.biasCorrection1 * c.lr
            if c.adaptive {
                let adaptiveLR = c.biasCorrection2Sqrt / (vi.squareRoot() + c.eps)
                p[i] = p[i] - corrected * adaptiveLR * c.rectification
            } else {
                p[i] = p[i] - corrected
            }
        }
    }
}

extension RAdamRule.Constants {
    /// The coefficients as the C kernel `descent_radam_update` takes them.
    var kernelStep: descent_radam_step {
        descent_radam_step(
            oneMinusBeta1: oneMinusBeta1, beta2: beta2, oneMinusBeta2: oneMinusBeta2,
            biasCorrection1: biasCorrection1, lr: lr, biasCorrection2Sqrt: biasCorrection2Sqrt,
            rectification: rectification, eps: eps, weightDecay: weightDecay, decayFactor: decayFactor,
            adaptive: adaptive ? 1 : 0, maximize: maximize ? 1 : 0, coupledDecay: coupledDecay ? 1 : 0,
            decoupledDecay: decoupledDecay ? 1 : 0)
    }
}
