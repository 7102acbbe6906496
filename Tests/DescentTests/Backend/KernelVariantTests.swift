#if arch(x86_64)
import CDescentKernels
import Testing
@testable import Descent

/// The instruction-set variants of a C kernel that this CPU can run: the dispatching entry point, the baseline
/// build and, where supported, the AVX2 and AVX-512 builds.
func kernelVariants<F>(_ dispatch: F, _ generic: F, _ avx2: F, _ avx512: F) -> [(String, F)] {
    var list = [("dispatch", dispatch), ("baseline", generic)]
    if descent_isa() >= 1 { list.append(("AVX2", avx2)) }
    if descent_isa() >= 2 { list.append(("AVX-512", avx512)) }
    return list
}

/// Every build of every C kernel (baseline, AVX2, AVX-512: the dispatcher picks one per machine, so the others
/// would otherwise never run here) gives the values of the kernel's definition, written out in plain Swift:
/// bit for bit for elementwise kernels (NaN, ±0 and ±∞ included) and copies, within 1e-5 relative for reductions (summed in vector lanes).
@Suite struct KernelVariantTests {
    let n = 1_000 + 13  // a tail after every vector width
    let g = RandomGenerator(seed: 11)

    /// `count` normal values with NaN, ±0 and ±∞ at a few places (ReLU and its masks must treat them as PyTorch does).
    func withSpecials(_ count: Int) -> [Float] {
        var v = g.normal([count]).scalars
        for (i, special) in [Float.nan, -0.0, 0.0, .infinity, -.infinity, -Float.nan].enumerated() {
            v[7 * i + 3] = special
        }
        return v
    }

    /// PyTorch's ReLU: negative values to 0; NaN and −0 pass through.
    func relu(_ v: Float) -> Float { v < 0 ? 0 : v }
    /// Whether ReLU's gradient passes at output `y` (PyTorch's `threshold_backward`: unless `y ≤ 0`).
    func passes(_ y: Float) -> Bool { !(y <= 0) }

    /// Equal bit patterns (so NaN equals NaN and −0 differs from 0).
    func sameBits(_ a: [Float], _ b: [Float]) -> Bool { a.map(\.bitPattern) == b.map(\.bitPattern) }

    @Test func elementwiseKernels() {
        let x = withSpecials(n), y = withSpecials(n), z = withSpecials(n)
        for (name, f) in kernelVariants(descent_relu, descent_relu_generic, descent_relu_avx2, descent_relu_avx512) {
            var out = [Float](repeating: 7, count: n)
            f(x, &out, n)
            #expect(sameBits(out, x.map(relu)), "relu \(name)")
        }
        for (name, back) in kernelVariants(
            descent_relu_backward, descent_relu_backward_generic,
            descent_relu_backward_avx2, descent_relu_backward_avx512)
        {
            var out = [Float](repeating: 7, count: n)
            back(x, y, &out, n)
            #expect(sameBits(out, zip(x, y).map { passes($1) ? $0 : 0 }), "relu backward \(name)")
        }
        for (name, addReLU) in kernelVariants(
            descent_add_relu, descent_add_relu_generic, descent_add_relu_avx2,
            descent_add_relu_avx512)
        {
            var out = [Float](repeating: 7, count: n)
            addReLU(x, y, &out, n)
            #expect(sameBits(out, zip(x, y).map { relu($0 + $1) }), "add+relu \(name)")
        }
        for withReLU in [Int32(0), 1] {
            for (name, scaleShift) in kernelVariants(
                descent_scale_shift, descent_scale_shift_generic,
                descent_scale_shift_avx2, descent_scale_shift_avx512)
            {
                var out = [Float](repeating: 7, count: n)
                scaleShift(x, &out, n, 1.7, -0.3, withReLU)
                #expect(
                    sameBits(
                        out,
                        x.map { v in
                            let s = v * 1.7 + -0.3; return withReLU != 0 ? relu(s) : s
                        }),
                    "scale+shift relu \(withReLU) \(name)")
            }
        }
        for masked in [false, true] {
            for (name, scaled) in kernelVariants(
                descent_scaled_masked, descent_scaled_masked_generic,
                descent_scaled_masked_avx2, descent_scaled_masked_avx512)
            {
                var out = [Float](repeating: 7, count: n)
                masked ? scaled(x, y, &out, n, 0.6) : scaled(x, nil, &out, n, 0.6)
                #expect(
                    sameBits(out, zip(x, y).map { (masked && !passes($1) ? 0 : $0) * 0.6 }),
                    "scaled masked \(masked) \(name)")
            }
            for (name, apply) in kernelVariants(
                descent_bn_backward_apply, descent_bn_backward_apply_generic,
                descent_bn_backward_apply_avx2, descent_bn_backward_apply_avx512)
            {
                var out = [Float](repeating: 7, count: n)
                masked ? apply(x, y, z, &out, n, 0.2, 0.1, 0.7, 1.3) : apply(x, y, nil, &out, n, 0.2, 0.1, 0.7, 1.3)
                let expected = (0..<n).map { i in
                    ((masked && !passes(z[i]) ? 0 : x[i]) - 0.1 - (y[i] - 0.2) * 0.7) * 1.3
                }
                #expect(sameBits(out, expected), "batch-norm backward apply, masked \(masked), \(name)")
            }
        }
    }

    @Test func reductions() {
        let x = g.normal([n]).scalars, y = g.normal([n]).scalars, z = g.normal([n]).scalars
        func close(_ a: Float, _ b: Double) -> Bool { abs(Double(a) - b) <= 1e-5 * max(1, abs(b)) }
        let sum = x.reduce(0.0) { $0 + Double($1) }
        for (name, f) in kernelVariants(descent_sum, descent_sum_generic, descent_sum_avx2, descent_sum_avx512) {
            #expect(close(f(x, n), sum), "sum \(name)")
        }
        let squared = x.reduce(0.0) { $0 + (Double($1) - 0.25) * (Double($1) - 0.25) }
        for (name, f) in kernelVariants(
            descent_sum_squared_deviation, descent_sum_squared_deviation_generic,
            descent_sum_squared_deviation_avx2, descent_sum_squared_deviation_avx512)
        {
            #expect(close(f(x, n, 0.25), squared), "sum of squared deviations \(name)")
        }
        for masked in [false, true] {
            let gm = (0..<n).map { masked && !(z[$0] > 0) ? 0 : Double(x[$0]) }
            let sg = gm.reduce(0, +), sgx = (0..<n).reduce(0.0) { $0 + gm[$1] * (Double(y[$1]) - 0.2) }
            for (name, f) in kernelVariants(
                descent_bn_backward_sums, descent_bn_backward_sums_generic,
                descent_bn_backward_sums_avx2, descent_bn_backward_sums_avx512)
            {
                var sums: [Float] = [1, 2]  // the kernel adds to them
                masked ? f(x, y, z, n, 0.2, &sums) : f(x, y, nil, n, 0.2, &sums)
                #expect(close(sums[0], sg + 1) && close(sums[1], sgx + 2), "batch-norm backward sums \(masked) \(name)")
            }
        }
    }

    @Test func biasAndReLU() {
        let (channels, spatial) = (5, 37)
        let y0 = withSpecials(channels * spatial), bias = g.normal([channels]).scalars
        for withReLU in [Int32(0), 1] {
            for withBias in [false, true] {
                let expected = (0..<channels * spatial).map { i in
                    let v = withBias ? y0[i] + bias[i / spatial] : y0[i]
                    return withReLU != 0 ? relu(v) : v
                }
                for (name, f) in kernelVariants(
                    descent_bias_relu, descent_bias_relu_generic, descent_bias_relu_avx2,
                    descent_bias_relu_avx512)
                {
                    var y = y0
                    withBias ? f(&y, bias, channels, spatial, withReLU) : f(&y, nil, channels, spatial, withReLU)
                    #expect(sameBits(y, expected), "bias+relu (channels) \(withBias) \(withReLU) \(name)")
                }
                // Rows × columns with the bias along the columns: the same values with the roles swapped.
                let rowExpected = (0..<spatial * channels).map { i in
                    let v = withBias ? y0[i] + bias[i % channels] : y0[i]
                    return withReLU != 0 ? relu(v) : v
                }
                for (name, f) in kernelVariants(
                    descent_row_bias_relu, descent_row_bias_relu_generic,
                    descent_row_bias_relu_avx2, descent_row_bias_relu_avx512)
                {
                    var y = y0
                    withBias ? f(&y, bias, spatial, channels, withReLU) : f(&y, nil, spatial, channels, withReLU)
                    #expect(sameBits(y, rowExpected), "bias+relu (rows) \(withBias) \(withReLU) \(name)")
                }
            }
        }
    }

    /// Geometries that reach every row-copy width (8, 16, 32, odd) and strides, dilation and 1×1 kernels.
    static let geometries: [(c: Int, h: Int, w: Int, k: Int, s: Int, p: Int, d: Int)] = [
        (3, 9, 9, 3, 1, 1, 1), (2, 8, 8, 3, 1, 1, 1), (2, 16, 16, 3, 1, 1, 1), (1, 32, 32, 3, 1, 1, 1),
        (2, 11, 13, 3, 2, 1, 1), (3, 7, 10, 3, 1, 2, 2), (4, 6, 6, 1, 1, 0, 1), (2, 12, 9, 5, 2, 2, 1),
    ]

    func geometry(_ t: (c: Int, h: Int, w: Int, k: Int, s: Int, p: Int, d: Int)) -> descent_conv_geometry {
        let outH = (t.h + 2 * t.p - t.d * (t.k - 1) - 1) / t.s + 1,
            outW = (t.w + 2 * t.p - t.d * (t.k - 1) - 1) / t.s + 1
        return descent_conv_geometry(
            channels: t.c, height: t.h, width: t.w, kernelH: t.k, kernelW: t.k, strideH: t.s,
            strideW: t.s, padH: t.p, padW: t.p, dilationH: t.d, dilationW: t.d, outH: outH,
            outW: outW)
    }

    @Test(arguments: geometries.indices)
    func convolutionLayouts(_ index: Int) {
        let t = Self.geometries[index]
        var geo = geometry(t)
        let (C, H, W, K, oH, oW) = (t.c, t.h, t.w, t.k, geo.outH, geo.outW)
        let (Hp, Wp) = (H + 2 * t.p, W + 2 * t.p)
        let src = g.normal([C * H * W]).scalars, bias = g.normal([C]).scalars
        func input(_ c: Int, _ h: Int, _ w: Int) -> Float {  // the zero-padded input at padded coordinates
            let (hh, ww) = (h - t.p, w - t.p)
            return hh >= 0 && hh < H && ww >= 0 && ww < W ? src[(c * H + hh) * W + ww] : 0
        }
        let padded = (0..<C * Hp * Wp).map { input($0 / (Hp * Wp), $0 / Wp % Hp, $0 % Wp) }
        var columns = [Float](repeating: 0, count: C * K * K * oH * oW)
        var rows = columns
        for c in 0..<C {
            for i in 0..<K {
                for j in 0..<K {
                    for oh in 0..<oH {
                        for ow in 0..<oW {
                            let v = input(c, oh * t.s + i * t.d, ow * t.s + j * t.d)
                            columns[((c * K + i) * K + j) * oH * oW + oh * oW + ow] = v
                            rows[(oh * oW + ow) * K * K * C + (i * K + j) * C + c] = v
                        }
                    }
                }
            }
        }
        // col2im: the adjoint, accumulated in the kernel's order (c, i, j, oh, ow), then cropped with the bias.
        let cols = g.normal([columns.count]).scalars
        var accumulated = [Float](repeating: 0, count: C * Hp * Wp)
        for c in 0..<C {
            for i in 0..<K {
                for j in 0..<K {
                    for oh in 0..<oH {
                        for ow in 0..<oW {
                            accumulated[(c * Hp + oh * t.s + i * t.d) * Wp + ow * t.s + j * t.d] +=
                                cols[((c * K + i) * K + j) * oH * oW + oh * oW + ow]
                        }
                    }
                }
            }
        }
        let cropped = (0..<C * H * W).map { accumulated[($0 / (H * W) * Hp + $0 / W % H + t.p) * Wp + $0 % W + t.p] }
        let croppedBias = (0..<C * H * W).map { cropped[$0] + bias[$0 / (H * W)] }
        let hwc = (0..<Hp * Wp * C).map { input($0 % C, $0 / C / Wp, $0 / C % Wp) }
        let what = "geometry \(t)"

        for (name, pad) in kernelVariants(
            descent_pad_planes, descent_pad_planes_generic, descent_pad_planes_avx2,
            descent_pad_planes_avx512)
        {
            var out = [Float](repeating: .nan, count: padded.count)
            pad(&geo, src, &out)
            #expect(out == padded, "pad planes \(name), \(what)")
        }
        for (name, im2col) in kernelVariants(
            descent_im2col_padded, descent_im2col_padded_generic,
            descent_im2col_padded_avx2, descent_im2col_padded_avx512)
        {
            var out = [Float](repeating: .nan, count: columns.count)
            im2col(&geo, padded, &out)
            #expect(out == columns, "im2col \(name), \(what)")
        }
        for (name, col2im) in kernelVariants(
            descent_col2im_padded, descent_col2im_padded_generic,
            descent_col2im_padded_avx2, descent_col2im_padded_avx512)
        {
            var out = [Float](repeating: .nan, count: accumulated.count)
            col2im(&geo, cols, &out)
            #expect(out == accumulated, "col2im \(name), \(what)")
        }
        for (name, unpad) in kernelVariants(
            descent_unpad_planes, descent_unpad_planes_generic,
            descent_unpad_planes_avx2, descent_unpad_planes_avx512)
        {
            var out = [Float](repeating: .nan, count: cropped.count)
            unpad(&geo, accumulated, nil, &out)
            #expect(out == cropped, "unpad planes \(name), \(what)")
            unpad(&geo, accumulated, bias, &out)
            #expect(out == croppedBias, "unpad planes with bias \(name), \(what)")
        }
        for (name, toHWC) in kernelVariants(
            descent_pad_to_hwc, descent_pad_to_hwc_generic, descent_pad_to_hwc_avx2,
            descent_pad_to_hwc_avx512)
        {
            var out = [Float](repeating: .nan, count: hwc.count)
            toHWC(&geo, src, &out)
            #expect(out == hwc, "pad to channels-last \(name), \(what)")
        }
        for (name, im2row) in kernelVariants(
            descent_im2row, descent_im2row_generic, descent_im2row_avx2,
            descent_im2row_avx512)
        {
            var out = [Float](repeating: .nan, count: rows.count)
            im2row(&geo, hwc, &out)
            #expect(out == rows, "im2row \(name), \(what)")
        }
    }

    @Test(arguments: [(2, 3), (5, 8), (4, 13), (3, 4), (6, 1), (7, 7), (3, 5), (2, 6)])
    func maxPool2x2(_ oH: Int, _ oW: Int) {
        let W = 2 * oW + 1  // a row stride wider than the pooled columns
        var src = g.normal([2 * oH * W]).scalars.map { ($0 * 2).rounded() }  // ties, to check which one wins
        src[W + 1] = .nan
        var expected = [Float](repeating: 0, count: oH * oW), expectedIndex = [Int32](repeating: 0, count: oH * oW)
        for oh in 0..<oH {
            for ow in 0..<oW {
                var best = -Float.infinity, at = 0
                for (di, dj) in [(0, 0), (0, 1), (1, 0), (1, 1)] {
                    let k = (2 * oh + di) * W + 2 * ow + dj
                    if src[k] > best || src[k].isNaN { best = src[k]; at = k }
                }
                expected[oh * oW + ow] = best
                expectedIndex[oh * oW + ow] = Int32(at)
            }
        }
        for (name, pool) in kernelVariants(
            descent_max_pool_2x2, descent_max_pool_2x2_generic,
            descent_max_pool_2x2_avx2, descent_max_pool_2x2_avx512)
        {
            var out = [Float](repeating: 7, count: oH * oW), index = [Int32](repeating: -1, count: oH * oW)
            pool(src, W, &out, &index, oH, oW)
            #expect(
                zip(out, expected).allSatisfy { $0 == $1 || ($0.isNaN && $1.isNaN) } && index == expectedIndex,
                "max pool \(oH)×\(oW) \(name)")
            var plain = [Float](repeating: 7, count: oH * oW)
            pool(src, W, &plain, nil, oH, oW)
            #expect(
                zip(plain, out).allSatisfy { $0 == $1 || ($0.isNaN && $1.isNaN) }, "max pool without indices \(name)")
        }
        // Backward: the plane (with a last row and column no window covers) zeroed, then each window's gradient
        // added at its maximum; with a mask, only where the pooled output is not ≤ 0 (a fused ReLU).
        let H = 2 * oH + 1
        let grad = withSpecials(oH * oW + 50).prefix(oH * oW).map { $0 }
        let mask = withSpecials(oH * oW + 50).suffix(oH * oW).map { $0 }
        for masked in [false, true] {
            var expectedGrad = [Float](repeating: 0, count: H * W)
            for i in 0..<oH * oW where !masked || passes(mask[i]) { expectedGrad[Int(expectedIndex[i])] += grad[i] }
            for (name, back) in kernelVariants(
                descent_max_pool_2x2_backward, descent_max_pool_2x2_backward_generic,
                descent_max_pool_2x2_backward_avx2, descent_max_pool_2x2_backward_avx512)
            {
                var out = [Float](repeating: 7, count: H * W)
                masked
                    ? back(grad, mask, expectedIndex, &out, H, W, oH, oW)
                    : back(grad, nil, expectedIndex, &out, H, W, oH, oW)
                #expect(sameBits(out, expectedGrad), "max pool backward \(oH)×\(oW), masked \(masked), \(name)")
            }
        }
    }
}
#endif
