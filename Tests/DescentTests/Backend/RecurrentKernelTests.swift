#if arch(x86_64)
import CDescentKernels
import Foundation
import Testing
@testable import Descent

/// The definitions of the recurrent gate kernels (`CDescentKernels/recurrent.c`) in plain Swift, evaluated in the
/// same order without fused multiply-adds, so that every instruction-set build must give the same bits.
enum RecurrentReference {
    static func exp(_ x: Float) -> Float {
        var x = x < -87 ? -87 : x
        x = x > 88 ? 88 : x
        let shifted = x * 1.44269504088896341 + 12582912.0
        let k = shifted - 12582912.0
        let ki = Int32(bitPattern: shifted.bitPattern) - 0x4B40_0000
        var r = x - k * 0.693359375
        r = r - k * -2.12194440e-4
        let z = r * r
        var p: Float = 1.9875691500e-4
        p = p * r + 1.3981999507e-3
        p = p * r + 8.3334519073e-3
        p = p * r + 4.1665795894e-2
        p = p * r + 1.6666665459e-1
        p = p * r + 5.0000001201e-1
        let y = p * z + r + 1
        return y * Float(bitPattern: UInt32(bitPattern: (ki &+ 127) << 23))
    }
    static func sigmoid(_ x: Float) -> Float { 1 / (1 + exp(-x)) }
    static func tanh(_ x: Float) -> Float {
        let a = x < 0 ? -x : x
        let s = x * x
        var p: Float = -5.70498872745e-3
        p = p * s + 2.06390887954e-2
        p = p * s - 5.37397155531e-2
        p = p * s + 1.33314422036e-1
        p = p * s - 3.33332819422e-1
        let small = p * s * x + x
        var big = 1 - 2 / (exp(a + a) + 1)
        big = x < 0 ? -big : big
        return a < 0.625 ? small : big
    }
}

/// Every build of the recurrent gate kernels equals ``RecurrentReference`` bit for bit, and the polynomial `e^x`,
/// `σ`, `tanh` are within a few float32 ulps of the exact functions.
@Suite struct RecurrentKernelTests {
    let n = 64 + 13  // a tail after every vector width
    let g = RandomGenerator(seed: 21)

    func sameBits(_ a: [Float], _ b: [Float]) -> Bool { a.map(\.bitPattern) == b.map(\.bitPattern) }
    func values(_ count: Int, std: Float = 2) -> [Float] { g.normal([count], std: std).scalars }

    @Test func polynomialsAreAccurate() {
        for x in stride(from: Float(-20), through: 20, by: 0.01137) {
            let e = Foundation.exp(Double(x))
            #expect(Swift.abs(Double(RecurrentReference.exp(x)) - e) <= 4e-7 * e, "exp(\(x))")
            let s = 1 / (1 + Foundation.exp(-Double(x)))
            #expect(Swift.abs(Double(RecurrentReference.sigmoid(x)) - s) <= 4e-7 * s + 1e-12, "sigmoid(\(x))")
            let t = Foundation.tanh(Double(x))
            #expect(Swift.abs(Double(RecurrentReference.tanh(x)) - t) <= 4e-7 * Swift.abs(t) + 1e-8, "tanh(\(x))")
        }
        #expect(RecurrentReference.tanh(100) == 1 && RecurrentReference.tanh(-100) == -1)
        #expect(RecurrentReference.sigmoid(-200) == 0 || RecurrentReference.sigmoid(-200) < 1e-37)
        #expect(RecurrentReference.sigmoid(200) == 1)
    }

    @Test func lstmKernels() {
        let xp = values(4 * n), hp = values(4 * n), c0 = values(n), go = values(n), dh0 = values(n), dc0 = values(n)
        let R = RecurrentReference.self
        var eActs = [Float](repeating: 0, count: 4 * n), eTc = [Float](repeating: 0, count: n)
        var eC = c0, eH = [Float](repeating: 0, count: n)
        for j in 0..<n {
            let i = R.sigmoid(xp[j] + hp[j]), f = R.sigmoid(xp[n + j] + hp[n + j])
            let gg = R.tanh(xp[2 * n + j] + hp[2 * n + j]), o = R.sigmoid(xp[3 * n + j] + hp[3 * n + j])
            let cn = f * c0[j] + i * gg
            let t = R.tanh(cn)
            eActs[j] = i; eActs[n + j] = f; eActs[2 * n + j] = gg; eActs[3 * n + j] = o
            eTc[j] = t; eC[j] = cn; eH[j] = o * t
        }
        var eDg = [Float](repeating: 0, count: 4 * n), eDc = dc0
        for j in 0..<n {
            let i = eActs[j], f = eActs[n + j], gg = eActs[2 * n + j], o = eActs[3 * n + j], t = eTc[j]
            let d = dh0[j] + go[j]
            let dcj = dc0[j] + d * o * (1 - t * t)
            eDg[j] = dcj * gg * i * (1 - i)
            eDg[n + j] = dcj * c0[j] * f * (1 - f)
            eDg[2 * n + j] = dcj * i * (1 - gg * gg)
            eDg[3 * n + j] = d * t * o * (1 - o)
            eDc[j] = dcj * f
        }
        for (name, forward) in kernelVariants(
            descent_lstm_forward, descent_lstm_forward_generic, descent_lstm_forward_avx2,
            descent_lstm_forward_avx512)
        {
            var c = c0, h = [Float](repeating: 7, count: n), out = h, acts = eActs.map { _ in Float(7) }, tc = h
            forward(xp, hp, &c, &h, &out, &acts, &tc, n)
            #expect(sameBits(c, eC) && sameBits(h, eH) && sameBits(out, eH), "lstm forward \(name): state")
            #expect(sameBits(acts, eActs) && sameBits(tc, eTc), "lstm forward \(name): saved")
        }
        for (name, backward) in kernelVariants(
            descent_lstm_backward, descent_lstm_backward_generic, descent_lstm_backward_avx2,
            descent_lstm_backward_avx512)
        {
            var dh = dh0, dc = dc0, dg = eDg.map { _ in Float(7) }
            backward(eActs, eTc, c0, go, &dh, &dc, &dg, n)
            #expect(sameBits(dg, eDg) && sameBits(dc, eDc), "lstm backward \(name)")
            #expect(dh.allSatisfy { $0 == 0 }, "lstm backward \(name): dh")
        }
    }

    @Test func gruKernels() {
        let xp = values(3 * n), hp = values(3 * n), h0 = values(n), go = values(n), dh0 = values(n)
        let R = RecurrentReference.self
        var eActs = [Float](repeating: 0, count: 3 * n), eHn = [Float](repeating: 0, count: n), eH = h0
        for j in 0..<n {
            let r = R.sigmoid(xp[j] + hp[j]), z = R.sigmoid(xp[n + j] + hp[n + j])
            let m = R.tanh(xp[2 * n + j] + r * hp[2 * n + j])
            eActs[j] = r; eActs[n + j] = z; eActs[2 * n + j] = m; eHn[j] = hp[2 * n + j]
            eH[j] = (1 - z) * m + z * h0[j]
        }
        var eDgx = [Float](repeating: 0, count: 3 * n), eDgh = eDgx, eDh = dh0
        for j in 0..<n {
            let r = eActs[j], z = eActs[n + j], m = eActs[2 * n + j]
            let d = dh0[j] + go[j]
            let dm = d * (1 - z) * (1 - m * m)
            let dz = d * (h0[j] - m) * z * (1 - z)
            let dr = dm * eHn[j] * r * (1 - r)
            eDgx[j] = dr; eDgx[n + j] = dz; eDgx[2 * n + j] = dm
            eDgh[j] = dr; eDgh[n + j] = dz; eDgh[2 * n + j] = dm * r
            eDh[j] = d * z
        }
        for (name, forward) in kernelVariants(
            descent_gru_forward, descent_gru_forward_generic, descent_gru_forward_avx2, descent_gru_forward_avx512)
        {
            var h = h0, out = [Float](repeating: 7, count: n), acts = eActs.map { _ in Float(7) }, hn = out
            forward(xp, hp, &h, &out, &acts, &hn, n)
            #expect(sameBits(h, eH) && sameBits(out, eH) && sameBits(acts, eActs) && sameBits(hn, eHn), "gru \(name)")
        }
        for (name, backward) in kernelVariants(
            descent_gru_backward, descent_gru_backward_generic, descent_gru_backward_avx2,
            descent_gru_backward_avx512)
        {
            var dh = dh0, dgx = eDgx.map { _ in Float(7) }, dgh = dgx
            backward(eActs, eHn, h0, go, &dh, &dgx, &dgh, n)
            #expect(sameBits(dgx, eDgx) && sameBits(dgh, eDgh) && sameBits(dh, eDh), "gru backward \(name)")
        }
    }

    @Test(arguments: [Int32(0), 1]) func rnnKernels(relu: Int32) {
        let xp = values(n), hp = values(n), go = values(n), dh0 = values(n)
        let y = zip(xp, hp).map { relu != 0 ? ($0 + $1 < 0 ? 0 : $0 + $1) : RecurrentReference.tanh($0 + $1) }
        let eDg = (0..<n).map { j -> Float in
            let d = dh0[j] + go[j]
            return relu != 0 ? (y[j] <= 0 ? 0 : d) : d * (1 - y[j] * y[j])
        }
        for (name, forward) in kernelVariants(
            descent_rnn_forward, descent_rnn_forward_generic, descent_rnn_forward_avx2, descent_rnn_forward_avx512)
        {
            var h = [Float](repeating: 7, count: n), out = h, acts = h
            forward(xp, hp, &h, &out, &acts, n, relu)
            #expect(sameBits(h, y) && sameBits(out, y) && sameBits(acts, y), "rnn forward relu \(relu) \(name)")
        }
        for (name, backward) in kernelVariants(
            descent_rnn_backward, descent_rnn_backward_generic, descent_rnn_backward_avx2,
            descent_rnn_backward_avx512)
        {
            var dh = dh0, dg = [Float](repeating: 7, count: n)
            backward(y, go, &dh, &dg, n, relu)
            #expect(sameBits(dg, eDg) && dh.allSatisfy { $0 == 0 }, "rnn backward relu \(relu) \(name)")
        }
    }
}
#endif
