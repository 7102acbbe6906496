import CDescentKernels

/// The gate kernels of the recurrent layers (`CDescentKernels/recurrent.c`): one batch row of `n` hidden units per
/// call, on the calling thread. `e^x`, `σ` and `tanh` are Cephes' polynomials, identical in every instruction-set
/// build; `RecurrentKernelTests` writes each kernel out in plain Swift and compares every build with it bit for bit.
enum RecurrentKernels {
    /// LSTM step (blocks i, f, g, o of `xp + hp`): `c ← f·c + i·g`, `h ← o·tanh c`, `out = h`; saves the gate
    /// activations in `acts` `[4n]` and `tanh c` in `tc`.
    @inline(__always)
    static func lstmForward(
        xp: UnsafePointer<Float>, hp: UnsafePointer<Float>, c: UnsafeMutablePointer<Float>,
        h: UnsafeMutablePointer<Float>, out: UnsafeMutablePointer<Float>, acts: UnsafeMutablePointer<Float>,
        tc: UnsafeMutablePointer<Float>, n: Int
    ) {
        descent_lstm_forward(xp, hp, c, h, out, acts, tc, n)
    }

    /// LSTM backward: the pre-activation gradients `dg` `[4n]` from `dh + go` and `dc`; `dc ← ∂L/∂c_prev` (the direct
    /// part), `dh ← 0`.
    @inline(__always)
    static func lstmBackward(
        acts: UnsafePointer<Float>, tc: UnsafePointer<Float>, cPrev: UnsafePointer<Float>, go: UnsafePointer<Float>,
        dh: UnsafeMutablePointer<Float>, dc: UnsafeMutablePointer<Float>, dg: UnsafeMutablePointer<Float>, n: Int
    ) {
        descent_lstm_backward(acts, tc, cPrev, go, dh, dc, dg, n)
    }

    /// GRU step (blocks r, z, n): `h ← (1 − z)·tanh(x_n + r·h_n) + z·h`, `out = h`; saves `acts` `[3n]` and `h_n`.
    @inline(__always)
    static func gruForward(
        xp: UnsafePointer<Float>, hp: UnsafePointer<Float>, h: UnsafeMutablePointer<Float>,
        out: UnsafeMutablePointer<Float>, acts: UnsafeMutablePointer<Float>, hn: UnsafeMutablePointer<Float>, n: Int
    ) {
        descent_gru_forward(xp, hp, h, out, acts, hn, n)
    }

    /// GRU backward: `dgx`, `dgh` `[3n]` (equal but for the `n` block, `dgh = dgx·r` there) from `dh + go`;
    /// `dh ← (dh + go)·z`.
    @inline(__always)
    static func gruBackward(
        acts: UnsafePointer<Float>, hn: UnsafePointer<Float>, hPrev: UnsafePointer<Float>, go: UnsafePointer<Float>,
        dh: UnsafeMutablePointer<Float>, dgx: UnsafeMutablePointer<Float>, dgh: UnsafeMutablePointer<Float>, n: Int
    ) {
        descent_gru_backward(acts, hn, hPrev, go, dh, dgx, dgh, n)
    }

    /// Elman step: `h = out = acts = tanh(xp + hp)` (ReLU when `relu`).
    @inline(__always)
    static func rnnForward(
        xp: UnsafePointer<Float>, hp: UnsafePointer<Float>, h: UnsafeMutablePointer<Float>,
        out: UnsafeMutablePointer<Float>, acts: UnsafeMutablePointer<Float>, n: Int, relu: Bool
    ) {
        descent_rnn_forward(xp, hp, h, out, acts, n, relu ? 1 : 0)
    }

    /// Elman backward: `dg = (dh + go)·(1 − y²)` (for ReLU, masked by `y > 0`); `dh ← 0`.
    @inline(__always)
    static func rnnBackward(
        acts: UnsafePointer<Float>, go: UnsafePointer<Float>, dh: UnsafeMutablePointer<Float>,
        dg: UnsafeMutablePointer<Float>, n: Int, relu: Bool
    ) {
        descent_rnn_backward(acts, go, dh, dg, n, relu ? 1 : 0)
    }
}
