import Foundation

/// The cell a recurrent layer repeats over time, with PyTorch's gate order in the stacked weights.
///
/// With `x` the step's input, `h` the previous hidden state (and `c` the previous cell state for LSTM), the rows of
/// `W_ih` `[G·H, in]`, `W_hh` `[G·H, H]`, `b_ih`, `b_hh` `[G·H]` hold `G` blocks of `H` rows each:
///
///     rnnTanh (G = 1):  h' = tanh(W_ih x + b_ih + W_hh h + b_hh)
///     rnnReLU (G = 1):  h' = max(W_ih x + b_ih + W_hh h + b_hh, 0)
///     lstm (G = 4, blocks i, f, g, o):
///         i = σ(W_ii x + b_ii + W_hi h + b_hi)   f = σ(W_if x + b_if + W_hf h + b_hf)
///         g = tanh(W_ig x + b_ig + W_hg h + b_hg) o = σ(W_io x + b_io + W_ho h + b_ho)
///         c' = f ⊙ c + i ⊙ g                      h' = o ⊙ tanh(c')
///     gru (G = 3, blocks r, z, n):
///         r = σ(W_ir x + b_ir + W_hr h + b_hr)   z = σ(W_iz x + b_iz + W_hz h + b_hz)
///         n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn))
///         h' = (1 − z) ⊙ n + z ⊙ h
public enum RecurrentCellKind: String, Sendable, CaseIterable {
    /// Elman RNN with `tanh`.
    case rnnTanh
    /// Elman RNN with ReLU.
    case rnnReLU
    /// Long short-term memory.
    case lstm
    /// Gated recurrent unit.
    case gru

    /// The number of stacked gate blocks `G` in the weights.
    public var gates: Int {
        switch self {
        case .rnnTanh, .rnnReLU: return 1
        case .lstm: return 4
        case .gru: return 3
        }
    }

    /// Whether the cell carries a cell state `c` besides `h` (LSTM).
    public var hasCellState: Bool { self == .lstm }
}

extension Tensor {
    /// One direction of one recurrent layer over a whole time-major sequence.
    ///
    /// `x` is `[T, B, in]`, `h0` (and `c0` for LSTM) `[B, H]`; the weights are those of ``RecurrentCellKind``. The
    /// input projections of all steps are one matrix product `[T·B, in] · W_ihᵀ + b_ih` (``linear(weight:bias:)``),
    /// then ``recurrence(_:projected:h0:c0:weightHH:biasHH:lengths:reverse:)`` runs the steps.
    static func recurrentSequence(
        _ kind: RecurrentCellKind, x: Tensor, h0: Tensor, c0: Tensor?, weightIH: Tensor, weightHH: Tensor,
        biasIH: Tensor?, biasHH: Tensor?, lengths: [Int]?, reverse: Bool
    ) -> (output: Tensor, h: Tensor, c: Tensor?) {
        precondition(x.rank == 3, "recurrentSequence: input must be [T, B, in], got \(x.shape)")
        let steps = x.shape[0], batch = x.shape[1], inF = x.shape[2], gh = weightHH.shape[0]
        precondition(
            weightIH.shape == [gh, inF], "recurrentSequence: weight_ih \(weightIH.shape) is not [\(gh), \(inF)]")
        let xp = x.reshaped([steps * batch, inF]).linear(weight: weightIH, bias: biasIH).reshaped([steps, batch, gh])
        return recurrence(
            kind, projected: xp, h0: h0, c0: c0, weightHH: weightHH, biasHH: biasHH, lengths: lengths, reverse: reverse)
    }

    /// The steps of one direction of one recurrent layer, from the input projections `projected` `[T, B, G·H]`
    /// (`x_t · W_ihᵀ + b_ih` for every step), as one autodiff operation.
    ///
    /// Each step adds `h · W_hhᵀ + b_hh` (one matrix product against `W_hh` packed once, ``PackedPanels``) and runs
    /// the fused gate kernel (``RecurrentKernels``). Batch rows never interact, so the batch is split into one block
    /// of rows per thread, each running every step on its own rows (one parallel region, no barrier per step).
    /// With `lengths` (one per batch row, each in `1…T`), row `b` is only updated at steps `t < lengths[b]`: its
    /// outputs are 0 beyond, and its final state is the one after its last valid step; in `reverse` the steps run
    /// from `T − 1` down to 0, so row `b` starts at its own last valid step from `h0`. Returns the outputs
    /// `[T, B, H]` and the final `h` (and `c`), `[B, H]`.
    ///
    /// Backward is backpropagation through time in the same node: one reverse pass of the gate kernels with a
    /// `[B, G·H] · W_hh` product per step (split by rows in the same way), then `∂W_hh = ∂G_hᵀ · h_prev` and `∂b_hh`
    /// as single products over all `T·B` rows; `∂projected = ∂G_x`.
    static func recurrence(
        _ kind: RecurrentCellKind, projected: Tensor, h0: Tensor, c0: Tensor?, weightHH: Tensor, biasHH: Tensor?,
        lengths: [Int]?, reverse: Bool
    ) -> (output: Tensor, h: Tensor, c: Tensor?) {
        let gh = weightHH.shape[0], hid = weightHH.shape[1], gates = kind.gates
        precondition(
            projected.rank == 3 && projected.shape[2] == gh,
            "recurrence: projected input \(projected.shape) is not [T, B, \(gh)]")
        let steps = projected.shape[0], batch = projected.shape[1]
        precondition(gh == gates * hid, "recurrence: weight_hh \(weightHH.shape) is not [\(gates)·H, H]")
        precondition(h0.shape == [batch, hid], "recurrence: h0 \(h0.shape) is not [\(batch), \(hid)]")
        precondition(kind.hasCellState == (c0 != nil), "recurrence: c0 is given exactly for LSTM")
        if let c0 {
            precondition(c0.shape == [batch, hid], "recurrence: c0 \(c0.shape) is not [\(batch), \(hid)]")
        }
        if let lengths {
            precondition(lengths.count == batch, "recurrence: \(lengths.count) lengths for a batch of \(batch)")
            precondition(lengths.allSatisfy { $0 >= 1 && $0 <= steps }, "recurrence: lengths must be in 1…\(steps)")
        }
        let rows = steps * batch, hasC = kind.hasCellState
        let xp = projected
        let stateCount = batch * hid
        let packed = Tensor(uninitializedShape: [rows * hid + stateCount * (hasC ? 2 : 1)])
        let out = packed.storage.pointer, h = out + rows * hid,
            c: UnsafeMutablePointer<Float>? = hasC ? h + stateCount : nil
        h.update(from: h0.storage.pointer, count: stateCount)
        if let c, let c0 { c.update(from: c0.storage.pointer, count: stateCount) }
        let hPrev = Tensor(uninitializedShape: [rows, hid])
        let cPrev = hasC ? Tensor(uninitializedShape: [rows, hid]) : nil
        // LSTM: tanh of the new c; GRU: W_hn h + b_hn.
        let extra = kind == .lstm || kind == .gru ? Tensor(uninitializedShape: [rows, hid]) : nil
        let acts = Tensor(uninitializedShape: [rows, gh])
        let hp = Tensor(uninitializedShape: [batch, gh])
        let lens = lengths ?? Array(repeating: steps, count: batch)
        let pxp = xp.storage.pointer, php = hp.storage.pointer, pacts = acts.storage.pointer
        let phPrev = hPrev.storage.pointer, pcPrev = cPrev?.storage.pointer, pextra = extra?.storage.pointer
        let bhh = biasHH.map { UnsafePointer($0.storage.pointer) }
        let whhT = PackedPanels(weightHH.storage.pointer, k: hid, n: gh, transposed: true)
        // Batch rows never interact: each thread runs all steps of its own block of rows, with no barrier per step.
        Parallel.forEachChunk(batch, cost: steps * gh * hid) { rowBlock in
            let lo = rowBlock.lowerBound, m = rowBlock.count
            for s in 0..<steps {
                let t = reverse ? steps - 1 - s : s
                let base = t * batch
                (phPrev + (base + lo) * hid).update(from: h + lo * hid, count: m * hid)
                if let c, let pcPrev { (pcPrev + (base + lo) * hid).update(from: c + lo * hid, count: m * hid) }
                whhT.multiply(m: m, a: h + lo * hid, lda: hid, bias: bhh, accumulate: false, c: php + lo * gh, ldc: gh)
                for b in rowBlock {
                    let r = base + b
                    let o = out + r * hid
                    guard t < lens[b] else {
                        o.update(repeating: 0, count: hid)
                        continue
                    }
                    let xr = pxp + r * gh, hr = php + b * gh, hb = h + b * hid, ar = pacts + r * gh
                    switch kind {
                    case .lstm:
                        RecurrentKernels.lstmForward(
                            xp: xr, hp: hr, c: c! + b * hid, h: hb, out: o, acts: ar, tc: pextra! + r * hid, n: hid)
                    case .gru:
                        RecurrentKernels.gruForward(
                            xp: xr, hp: hr, h: hb, out: o, acts: ar, hn: pextra! + r * hid, n: hid)
                    case .rnnTanh, .rnnReLU:
                        RecurrentKernels.rnnForward(
                            xp: xr, hp: hr, h: hb, out: o, acts: ar, n: hid, relu: kind == .rnnReLU)
                    }
                }
            }
        }
        var inputs = [projected, h0]
        if let c0 { inputs.append(c0) }
        let wIndex = inputs.count
        inputs.append(weightHH)
        let bhhIndex = biasHH.map { _ in inputs.count }
        if let biasHH { inputs.append(biasHH) }
        let weightHHValues = weightHH.detach()
        let result = Tensor.record("\(kind.rawValue)_recurrence", packed, inputs) { g, needs in
            let pg = g.storage.pointer
            let pacts = acts.storage.pointer, phPrev = hPrev.storage.pointer
            let pcPrev = cPrev?.storage.pointer, pextra = extra?.storage.pointer
            let dh = Tensor(uninitializedShape: [batch, hid]),
                dc = hasC ? Tensor(uninitializedShape: [batch, hid]) : nil
            let pdh = dh.storage.pointer, pdc = dc?.storage.pointer
            pdh.update(from: pg + rows * hid, count: stateCount)
            if let pdc { pdc.update(from: pg + rows * hid + stateCount, count: stateCount) }
            let dgx = Tensor(uninitializedShape: [rows, gh])
            let dgh = kind == .gru ? Tensor(uninitializedShape: [rows, gh]) : dgx
            let pdgx = dgx.storage.pointer, pdgh = dgh.storage.pointer
            let whh = PackedPanels(weightHHValues.storage.pointer, k: gh, n: hid, transposed: false)
            Parallel.forEachChunk(batch, cost: steps * gh * hid) { rowBlock in
                let lo = rowBlock.lowerBound, m = rowBlock.count
                for s in (0..<steps).reversed() {
                    let t = reverse ? steps - 1 - s : s
                    let base = t * batch
                    for b in rowBlock {
                        let r = base + b
                        guard t < lens[b] else {
                            (pdgx + r * gh).update(repeating: 0, count: gh)
                            if kind == .gru { (pdgh + r * gh).update(repeating: 0, count: gh) }
                            continue
                        }
                        let ar = pacts + r * gh, go = pg + r * hid, d = pdh + b * hid
                        switch kind {
                        case .lstm:
                            RecurrentKernels.lstmBackward(
                                acts: ar, tc: pextra! + r * hid, cPrev: pcPrev! + r * hid, go: go, dh: d,
                                dc: pdc! + b * hid, dg: pdgx + r * gh, n: hid)
                        case .gru:
                            RecurrentKernels.gruBackward(
                                acts: ar, hn: pextra! + r * hid, hPrev: phPrev + r * hid, go: go, dh: d,
                                dgx: pdgx + r * gh, dgh: pdgh + r * gh, n: hid)
                        case .rnnTanh, .rnnReLU:
                            RecurrentKernels.rnnBackward(
                                acts: ar, go: go, dh: d, dg: pdgx + r * gh, n: hid, relu: kind == .rnnReLU)
                        }
                    }
                    // dh ← dh + ∂G_h · W_hh for this block's rows (inactive rows have ∂G_h = 0 and keep dh).
                    whh.multiply(
                        m: m, a: pdgh + (base + lo) * gh, lda: gh, bias: nil, accumulate: true, c: pdh + lo * hid,
                        ldc: hid)
                }
            }
            var grads = [Tensor?](repeating: nil, count: inputs.count)
            if needs[0] { grads[0] = dgx.reshaped([steps, batch, gh]) }
            if needs[1] { grads[1] = dh }
            if hasC && needs[2] { grads[2] = dc }
            if needs[wIndex] {
                let gw = Tensor(uninitializedShape: [gh, hid])
                Backend.sgemm(
                    transposeA: true, transposeB: false, m: gh, n: hid, k: rows, alpha: 1, a: pdgh, lda: gh,
                    b: phPrev, ldb: hid, beta: 0, c: gw.storage.pointer, ldc: hid)
                grads[wIndex] = gw
            }
            if let i = bhhIndex, needs[i] { grads[i] = Tensor.columnSums(pdgh, rows: rows, cols: gh) }
            return grads
        }
        let output = result.slice(axis: 0, 0..<(rows * hid)).reshaped([steps, batch, hid])
        let hT = result.slice(axis: 0, (rows * hid)..<(rows * hid + stateCount)).reshaped([batch, hid])
        let cT = hasC ? result.slice(axis: 0, (rows * hid + stateCount)..<packed.count).reshaped([batch, hid]) : nil
        return (output, hT, cT)
    }

    /// `Σ_rows m[row, col]` of a row-major `[rows, cols]` buffer, as a `[cols]` tensor (summed in `Double`).
    static func columnSums(_ m: UnsafePointer<Float>, rows: Int, cols: Int) -> Tensor {
        let out = Tensor(uninitializedShape: [cols])
        let po = out.storage.pointer
        Parallel.forEachChunk(cols, cost: rows) { range in
            var acc = [Double](repeating: 0, count: range.count)
            for r in 0..<rows {
                let row = m + r * cols + range.lowerBound
                for j in 0..<range.count { acc[j] += Double(row[j]) }
            }
            for j in 0..<range.count { po[range.lowerBound + j] = Float(acc[j]) }
        }
        return out
    }
}
