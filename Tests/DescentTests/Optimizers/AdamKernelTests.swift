#if canImport(CDNNL) && arch(x86_64)
import CDNNL
import Testing
@testable import Descent

/// The vectorized C Adam kernel gives bit for bit the values of the element-at-a-time Swift pass, for every option
/// combination and in every instruction-set variant this CPU can run (AVX-512, AVX2, baseline).
@Suite struct AdamKernelTests {
    @Test(arguments: [0.9, 0.3])
    func everyOptionMatchesTheScalarPass(beta1: Double) {
        let n = 53  // not a multiple of any vector width, so the tails run too
        let g = RandomGenerator(seed: 7)
        let p0 = g.normal([n]).scalars, grad = g.normal([n]).scalars
        let m0 = g.normal([n]).scalars, v0 = (g.uniform([n]) * 0.1).scalars, vmax0 = (g.uniform([n]) * 0.1).scalars
        for options in 0..<16 {
            let maximize = options & 1 != 0, decay = options & 2 != 0, decoupled = options & 4 != 0
            let amsgrad = options & 8 != 0
            let c = adamConstants(step: 3, lr: 0.05, beta1: beta1, beta2: 0.99, eps: 1e-8, weightDecay: decay ? 0.1 : 0,
                                  decoupled: decoupled, amsgrad: amsgrad, maximize: maximize)
            var (p, m, v, vmax) = (p0, m0, v0, vmax0)
            vmax.withUnsafeMutableBufferPointer { vb in
                AdamRule.scalarUpdate(0..<n, &p, grad, &m, &v, amsgrad ? vb.baseAddress : nil, c)
            }
            var step = descent_adam_step(
                oneMinusBeta1: c.oneMinusBeta1, beta2: c.beta2, oneMinusBeta2: c.oneMinusBeta2,
                negStepSize: c.negStepSize, biasCorrection2Sqrt: c.biasCorrection2Sqrt, eps: c.eps,
                weightDecay: c.weightDecay, decayFactor: c.decayFactor, maximize: maximize ? 1 : 0,
                coupledDecay: c.coupledDecay ? 1 : 0, decoupledDecay: c.decoupledDecay ? 1 : 0)
            for (name, kernel) in kernelVariants(descent_adam_update, descent_adam_update_generic,
                                                 descent_adam_update_avx2, descent_adam_update_avx512) {
                var (pk, mk, vk, vmaxk) = (p0, m0, v0, vmax0)
                vmaxk.withUnsafeMutableBufferPointer { vb in
                    kernel(&pk, grad, &mk, &vk, amsgrad ? vb.baseAddress : nil, n, &step, amsgrad ? 1 : 0)
                }
                let what = "\(name), β₁ \(beta1), options \(options)"
                #expect(pk == p, "\(what): parameters")
                #expect(mk == m, "\(what): first moment")
                #expect(vk == v, "\(what): second moment")
                #expect(vmaxk == vmax, "\(what): running maximum")
            }
            #expect(p != p0, "options \(options): the step moved the parameters")
        }
    }
}
#endif
