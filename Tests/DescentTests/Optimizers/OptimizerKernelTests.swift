#if arch(x86_64)
import CDescentKernels
import Testing
@testable import Descent

/// The vectorized C update kernels of every optimizer (SGD, Adam/AdamW, RMSprop, Adagrad, Adamax, NAdam, RAdam) give bit for bit the values of the
/// element-at-a-time Swift passes (`scalarUpdate`), for every option combination, in every instruction-set build
/// this CPU can run (baseline, AVX2, AVX-512) and through the rules' own `update` (the path training takes).
@Suite struct OptimizerKernelTests {
    /// A parameter, its gradient and three state buffers.
    struct Arrays: Equatable {
        var p, grad, b0, b1, b2: [Float]

        /// Runs `body` with pointers to the arrays.
        mutating func withPointers(
            _ body: (
                UnsafeMutablePointer<Float>, UnsafePointer<Float>, UnsafeMutablePointer<Float>,
                UnsafeMutablePointer<Float>, UnsafeMutablePointer<Float>
            ) -> Void
        ) {
            let grad = self.grad
            p.withUnsafeMutableBufferPointer { p in
                b0.withUnsafeMutableBufferPointer { b0 in
                    b1.withUnsafeMutableBufferPointer { b1 in
                        b2.withUnsafeMutableBufferPointer { b2 in
                            grad.withUnsafeBufferPointer { g in
                                body(p.baseAddress!, g.baseAddress!, b0.baseAddress!, b1.baseAddress!, b2.baseAddress!)
                            }
                        }
                    }
                }
            }
        }
    }

    let n = 53  // not a multiple of any vector width, so the tails run too

    func start(seed: UInt64) -> Arrays {
        let g = RandomGenerator(seed: seed)
        return Arrays(
            p: g.normal([n]).scalars, grad: g.normal([n]).scalars, b0: (g.uniform([n]) * 0.1).scalars,
            b1: (g.uniform([n]) * 0.1).scalars, b2: (g.uniform([n]) * 0.1).scalars)
    }

    /// Expects `reference` and every `kernel` to leave the same arrays, and the step to move the parameters.
    func expectSameBits(
        _ what: String, _ start: Arrays, reference: (inout Arrays) -> Void,
        through update: (inout Arrays) -> Void,
        kernels: [(String, (inout Arrays) -> Void)]
    ) {
        var expected = start
        reference(&expected)
        #expect(expected.p != start.p, "\(what): the step moved the parameters")
        var viaRule = start
        update(&viaRule)
        #expect(viaRule == expected, "\(what): Rule.update")
        for (name, kernel) in kernels {
            var actual = start
            kernel(&actual)
            #expect(actual == expected, "\(what): \(name)")
        }
    }

    @Test(arguments: [0.9, 0.3])
    func adam(beta1: Double) {
        for options in 0..<16 {
            let maximize = options & 1 != 0, decay = options & 2 != 0, decoupled = options & 4 != 0
            let amsgrad = options & 8 != 0
            let c = adamConstants(
                step: 3, lr: 0.05, beta1: beta1, beta2: 0.99, eps: 1e-8, weightDecay: decay ? 0.1 : 0,
                decoupled: decoupled, amsgrad: amsgrad, maximize: maximize)
            var step = c.kernelStep
            let variants = kernelVariants(
                descent_adam_update, descent_adam_update_generic, descent_adam_update_avx2,
                descent_adam_update_avx512)
            expectSameBits(
                "Adam β₁ \(beta1) options \(options)", start(seed: 7),
                reference: { a in
                    a.withPointers { p, g, m, v, vmax in
                        AdamRule.scalarUpdate(0..<n, p, g, m, v, amsgrad ? vmax : nil, c)
                    }
                },
                through: { a in
                    a.withPointers { p, g, m, v, vmax in
                        AdamRule.update(0..<n, p, g, StateBuffers(m, v, amsgrad ? vmax : nil, nil), c)
                    }
                },
                kernels: variants.map { name, kernel in
                    (
                        name,
                        { a in
                            a.withPointers { p, g, m, v, vmax in
                                kernel(p, g, m, v, amsgrad ? vmax : nil, n, &step, amsgrad ? 1 : 0)
                            }
                        }
                    )
                })
        }
    }

    @Test func sgd() {
        for options in 0..<32 {
            let maximize = options & 1 != 0, decay = options & 2 != 0, momentum = options & 4 != 0
            let first = options & 8 != 0, nesterov = options & 16 != 0 && momentum
            let rule = SGDRule(
                lr: 0.05, momentum: momentum ? 0.9 : 0, dampening: nesterov ? 0 : 0.1,
                weightDecay: decay ? 0.01 : 0, nesterov: nesterov, maximize: maximize)
            var scalars: [Double] = []
            let c = rule.constants(step: first ? 1 : 2, newBuffers: BufferSet(bits: first ? 1 : 0), scalars: &scalars)
            var step = c.kernelStep
            let variants = kernelVariants(
                descent_sgd_update, descent_sgd_update_generic, descent_sgd_update_avx2,
                descent_sgd_update_avx512)
            expectSameBits(
                "SGD options \(options)", start(seed: 8),
                reference: { a in
                    a.withPointers { p, g, buf, _, _ in SGDRule.scalarUpdate(0..<n, p, g, momentum ? buf : nil, c) }
                },
                through: { a in
                    a.withPointers { p, g, buf, _, _ in
                        SGDRule.update(0..<n, p, g, StateBuffers(momentum ? buf : nil, nil, nil, nil), c)
                    }
                },
                kernels: variants.map { name, kernel in
                    (name, { a in a.withPointers { p, g, buf, _, _ in kernel(p, g, momentum ? buf : nil, n, &step) } })
                })
        }
    }

    @Test(arguments: [0.99, 0.3])
    func rmsprop(alpha: Double) {
        for options in 0..<16 {
            let maximize = options & 1 != 0, decay = options & 2 != 0, centered = options & 4 != 0
            let momentum = options & 8 != 0
            let rule = RMSpropRule(
                lr: 0.01, alpha: alpha, eps: 1e-8, weightDecay: decay ? 0.01 : 0,
                momentum: momentum ? 0.9 : 0, centered: centered, maximize: maximize)
            var scalars: [Double] = []
            let c = rule.constants(step: 2, newBuffers: BufferSet(), scalars: &scalars)
            var step = c.kernelStep
            let variants = kernelVariants(
                descent_rmsprop_update, descent_rmsprop_update_generic,
                descent_rmsprop_update_avx2, descent_rmsprop_update_avx512)
            // Centered: the running mean must stay below √s, as it does in training; start it at zero.
            var initial = start(seed: 9)
            if centered { initial.b1 = [Float](repeating: 0, count: n) }
            expectSameBits(
                "RMSprop α \(alpha) options \(options)", initial,
                reference: { a in
                    a.withPointers { p, g, sq, avg, buf in
                        RMSpropRule.scalarUpdate(0..<n, p, g, sq, centered ? avg : nil, momentum ? buf : nil, c)
                    }
                },
                through: { a in
                    a.withPointers { p, g, sq, avg, buf in
                        RMSpropRule.update(
                            0..<n, p, g, StateBuffers(sq, centered ? avg : nil, momentum ? buf : nil, nil), c)
                    }
                },
                kernels: variants.map { name, kernel in
                    (
                        name,
                        { a in
                            a.withPointers { p, g, sq, avg, buf in
                                kernel(p, g, sq, centered ? avg : nil, momentum ? buf : nil, n, &step)
                            }
                        }
                    )
                })
        }
    }

    @Test func adagrad() {
        for options in 0..<4 {
            let maximize = options & 1 != 0, decay = options & 2 != 0
            let rule = AdagradRule(lr: 0.05, lrDecay: 0.01, weightDecay: decay ? 0.01 : 0, maximize: maximize)
            var scalars: [Double] = []
            let c = rule.constants(step: 3, newBuffers: BufferSet(), scalars: &scalars)
            let variants = kernelVariants(
                descent_adagrad_update, descent_adagrad_update_generic,
                descent_adagrad_update_avx2, descent_adagrad_update_avx512)
            expectSameBits(
                "Adagrad options \(options)", start(seed: 10),
                reference: { a in
                    a.withPointers { p, g, sum, _, _ in AdagradRule.scalarUpdate(0..<n, p, g, sum, c) }
                },
                through: { a in
                    a.withPointers { p, g, sum, _, _ in
                        AdagradRule.update(0..<n, p, g, StateBuffers(sum, nil, nil, nil), c)
                    }
                },
                kernels: variants.map { name, kernel in
                    (
                        name,
                        { a in
                            a.withPointers { p, g, sum, _, _ in
                                kernel(p, g, sum, n, c.negLR, c.eps, c.weightDecay, maximize ? 1 : 0, decay ? 1 : 0)
                            }
                        }
                    )
                })
        }
    }
    /// The Adam-like rules with two buffers (m, v or u): each option combination of `rule(options)` at `step`.
    func expectTwoBufferRule<R: UpdateRule, S>(
        _ name: String, options: Range<Int>, step: Int, seed: UInt64,
        rule: (Int) -> R, kernelStep: (R.Constants) -> S,
        scalar: (
            Range<Int>, UnsafeMutablePointer<Float>, UnsafePointer<Float>,
            UnsafeMutablePointer<Float>, UnsafeMutablePointer<Float>, R.Constants
        ) -> Void,
        variants: [(
            String,
            (
                UnsafeMutablePointer<Float>, UnsafePointer<Float>,
                UnsafeMutablePointer<Float>, UnsafeMutablePointer<Float>, Int,
                UnsafePointer<S>
            ) -> Void
        )]
    ) {
        for option in options {
            let r = rule(option)
            var scalars = r.initialScalars()
            var c = r.constants(step: 1, newBuffers: BufferSet(bits: 3), scalars: &scalars)
            for t in 2...max(step, 2) { c = r.constants(step: t, newBuffers: BufferSet(), scalars: &scalars) }
            var packed = kernelStep(c)
            expectSameBits(
                "\(name) step \(step) options \(option)", start(seed: seed),
                reference: { a in
                    a.withPointers { p, g, m, v, _ in scalar(0..<n, p, g, m, v, c) }
                },
                through: { a in
                    a.withPointers { p, g, m, v, _ in R.update(0..<n, p, g, StateBuffers(m, v, nil, nil), c) }
                },
                kernels: variants.map { name, kernel in
                    (
                        name,
                        { a in
                            withUnsafePointer(to: &packed) { step in
                                a.withPointers { p, g, m, v, _ in kernel(p, g, m, v, n, step) }
                            }
                        }
                    )
                })
        }
    }

    @Test(arguments: [0.9, 0.3])
    func adamax(beta1: Double) {
        let variants = kernelVariants(
            descent_adamax_update, descent_adamax_update_generic, descent_adamax_update_avx2,
            descent_adamax_update_avx512)
        expectTwoBufferRule(
            "Adamax β₁ \(beta1)", options: 0..<4, step: 3, seed: 11,
            rule: { o in
                AdamaxRule(lr: 0.05, betas: (beta1, 0.99), weightDecay: o & 2 != 0 ? 0.01 : 0, maximize: o & 1 != 0)
            }, kernelStep: { $0.kernelStep }, scalar: AdamaxRule.scalarUpdate,
            variants: variants.map { name, f in
                (name, { p, g, m, u, n, c in f(p, g, m, u, n, c) })
            })
    }

    @Test(arguments: [0.9, 0.3])
    func nadam(beta1: Double) {
        let variants = kernelVariants(
            descent_nadam_update, descent_nadam_update_generic, descent_nadam_update_avx2,
            descent_nadam_update_avx512)
        expectTwoBufferRule(
            "NAdam β₁ \(beta1)", options: 0..<8, step: 3, seed: 12,
            rule: { o in
                NAdamRule(
                    lr: 0.05, betas: (beta1, 0.99), weightDecay: o & 2 != 0 ? 0.01 : 0,
                    decoupledWeightDecay: o & 4 != 0, maximize: o & 1 != 0)
            }, kernelStep: { $0.kernelStep }, scalar: NAdamRule.scalarUpdate,
            variants: variants.map { name, f in
                (name, { p, g, m, v, n, c in f(p, g, m, v, n, c) })
            })
    }

    @Test(arguments: [(0.9, 2), (0.9, 10), (0.3, 10)])
    func radam(beta1: Double, step: Int) {
        let variants = kernelVariants(
            descent_radam_update, descent_radam_update_generic, descent_radam_update_avx2,
            descent_radam_update_avx512)
        expectTwoBufferRule(
            "RAdam β₁ \(beta1)", options: 0..<8, step: step, seed: 13,
            rule: { o in
                RAdamRule(
                    lr: 0.05, betas: (beta1, 0.99), weightDecay: o & 2 != 0 ? 0.01 : 0,
                    decoupledWeightDecay: o & 4 != 0, maximize: o & 1 != 0)
            }, kernelStep: { $0.kernelStep }, scalar: RAdamRule.scalarUpdate,
            variants: variants.map { name, f in
                (name, { p, g, m, v, n, c in f(p, g, m, v, n, c) })
            })
    }

    @Test func radamTakesTheRectifiedStepOnlyOnceTheVarianceIsTractable() {
        var scalars: [Double] = []
        let rule = RAdamRule(lr: 0.05)
        #expect(!rule.constants(step: 2, newBuffers: BufferSet(), scalars: &scalars).adaptive)
        #expect(rule.constants(step: 10, newBuffers: BufferSet(), scalars: &scalars).adaptive)
    }
}
#endif
