// Padding, im2col / col2im and im2row of 2-D convolution (descent_convolution.h).
#include "rows.h"

// Every expression is evaluated as written: no a·b + c contracted into a fused multiply-add (see kernel.h).
#if defined(__clang__)
#pragma clang fp contract(off)
#endif

/// d[0..<n] = s[0..<n] for one row of a column matrix; the common widths are straight-line vector moves.
DESCENT_INLINE void descent_copy_row(float *restrict d, const float *restrict s, long n) {
    switch (n) {
    case 8: *(descent_f8 *)d = *(const descent_f8 *)s; return;
    case 16: *(descent_f16 *)d = *(const descent_f16 *)s; return;
    case 32:
        *(descent_f16 *)d = *(const descent_f16 *)s;
        *(descent_f16 *)(d + 16) = *(const descent_f16 *)(s + 16);
        return;
    default: descent_copy(d, s, n);
    }
}

/// d[0..<n] += s[0..<n] for one row of a column matrix.
DESCENT_INLINE void descent_accumulate_row(float *restrict d, const float *restrict s, long n) {
    switch (n) {
    case 8: *(descent_f8 *)d += *(const descent_f8 *)s; return;
    case 16: *(descent_f16 *)d += *(const descent_f16 *)s; return;
    case 32:
        *(descent_f16 *)d += *(const descent_f16 *)s;
        *(descent_f16 *)(d + 16) += *(const descent_f16 *)(s + 16);
        return;
    default: descent_accumulate(d, s, n);
    }
}

/// The padded planes of one group: dst[c][(h + padH)·Wp + w + padW] = src[c][h][w], Wp = width + 2·padW, 0 on
/// the borders (Hp = height + 2·padH rows per plane).
DESCENT_KERNEL_NO_BUILTINS(void, descent_pad_planes, (const descent_conv_geometry *geo, const float *restrict src, float *restrict dst),
               (geo, src, dst), {
    const long H = geo->height, W = geo->width, pH = geo->padH, pW = geo->padW, Wp = W + 2 * pW;
    const long planeP = (H + 2 * pH) * Wp;
    for (long c = 0; c < geo->channels; c++) {
        float *p = dst + c * planeP;
        const float *q = src + c * H * W;
        descent_zero(p, pH * Wp + pW);
        for (long h = 0; h < H; h++) {
            float *row = p + (h + pH) * Wp + pW;
            descent_copy_row(row, q + h * W, W);
            if (h + 1 < H) descent_zero(row + W, 2 * pW);
        }
        descent_zero(p + (H - 1 + pH) * Wp + pW + W, pW + pH * Wp);
    }
})

/// dst[c][h][w] = src[c][(h + padH)·Wp + w + padW] (+ bias[c] when bias ≠ NULL): the inverse of descent_pad_planes.
DESCENT_KERNEL_NO_BUILTINS(void, descent_unpad_planes,
               (const descent_conv_geometry *geo, const float *restrict src, const float *restrict bias, float *restrict dst),
               (geo, src, bias, dst), {
    const long H = geo->height, W = geo->width, pH = geo->padH, pW = geo->padW, Wp = W + 2 * pW;
    const long planeP = (H + 2 * pH) * Wp;
    for (long c = 0; c < geo->channels; c++) {
        const float *p = src + c * planeP;
        float *q = dst + c * H * W;
        for (long h = 0; h < H; h++) descent_copy_row(q + h * W, p + (h + pH) * Wp + pW, W);
        if (bias) {
            float b = bias[c];
            for (long t = 0; t < H * W; t++) q[t] += b;
        }
    }
})

/// The column matrix of one group from its padded planes (descent_pad_planes):
/// cols[(c·kH + i)·kW + j][oh·oW + ow] = pad[c][(oh·sH + i·dH)·Wp + ow·sW + j·dW].
DESCENT_KERNEL_NO_BUILTINS(void, descent_im2col_padded,
               (const descent_conv_geometry *geo, const float *restrict pad, float *restrict cols),
               (geo, pad, cols), {
    const long oH = geo->outH, oW = geo->outW, hw = oH * oW, Wp = geo->width + 2 * geo->padW;
    const long planeP = (geo->height + 2 * geo->padH) * Wp;
    const long kH = geo->kernelH, kW = geo->kernelW, sH = geo->strideH, sW = geo->strideW;
    for (long c = 0; c < geo->channels; c++) {
        for (long i = 0; i < kH; i++) {
            for (long j = 0; j < kW; j++) {
                float *row = cols + ((c * kH + i) * kW + j) * hw;
                const float *base = pad + c * planeP + i * geo->dilationH * Wp + j * geo->dilationW;
                for (long oh = 0; oh < oH; oh++) {
                    const float *s = base + oh * sH * Wp;
                    float *d = row + oh * oW;
                    if (sW == 1) {
                        descent_copy_row(d, s, oW);
                    } else {
                        for (long ow = 0; ow < oW; ow++) d[ow] = s[ow * sW];
                    }
                }
            }
        }
    }
})

/// The adjoint of descent_im2col_padded: pad is zeroed, then pad[c][…] += cols[…] at the same positions.
DESCENT_KERNEL_NO_BUILTINS(void, descent_col2im_padded,
               (const descent_conv_geometry *geo, const float *restrict cols, float *restrict pad),
               (geo, cols, pad), {
    const long oH = geo->outH, oW = geo->outW, hw = oH * oW, Wp = geo->width + 2 * geo->padW;
    const long planeP = (geo->height + 2 * geo->padH) * Wp;
    const long kH = geo->kernelH, kW = geo->kernelW, sH = geo->strideH, sW = geo->strideW;
    descent_zero(pad, geo->channels * planeP);
    for (long c = 0; c < geo->channels; c++) {
        for (long i = 0; i < kH; i++) {
            for (long j = 0; j < kW; j++) {
                const float *row = cols + ((c * kH + i) * kW + j) * hw;
                float *base = pad + c * planeP + i * geo->dilationH * Wp + j * geo->dilationW;
                for (long oh = 0; oh < oH; oh++) {
                    float *d = base + oh * sH * Wp;
                    const float *s = row + oh * oW;
                    if (sW == 1) {
                        descent_accumulate_row(d, s, oW);
                    } else {
                        for (long ow = 0; ow < oW; ow++) d[ow * sW] += s[ow];
                    }
                }
            }
        }
    }
})

/// The image of one group in channels-last order with its zero padding:
/// dst[(h + padH)·Wp + (w + padW)][c] = src[c][h][w], Wp = width + 2·padW, and 0 on the borders.
DESCENT_KERNEL_NO_BUILTINS(void, descent_pad_to_hwc, (const descent_conv_geometry *geo, const float *restrict src, float *restrict dst),
               (geo, src, dst), {
    const long C = geo->channels, H = geo->height, W = geo->width, pH = geo->padH, pW = geo->padW;
    const long Wp = W + 2 * pW, rowLen = Wp * C, plane = H * W;
    descent_zero(dst, pH * rowLen);
    descent_zero(dst + (H + pH) * rowLen, pH * rowLen);
    for (long h = 0; h < H; h++) {
        float *row = dst + (h + pH) * rowLen;
        descent_zero(row, pW * C);
        descent_zero(row + (W + pW) * C, pW * C);
        float *body = row + pW * C;
        const float *s = src + h * W;
        long c0 = 0;
        // 8 channels × 8 columns at a time through an in-register transpose.
        for (; c0 + 8 <= C; c0 += 8) {
            long w0 = 0;
            for (; w0 + 8 <= W; w0 += 8) descent_transpose8(s + c0 * plane + w0, plane, body + w0 * C + c0, C);
            for (; w0 < W; w0++)
                for (long c = c0; c < c0 + 8; c++) body[w0 * C + c] = s[c * plane + w0];
        }
        for (long w = 0; w < W; w++)
            for (long c = c0; c < C; c++) body[w * C + c] = s[c * plane + w];
    }
})

/// The transposed column matrix of one group ("im2row"), one row per output position, from the padded
/// channels-last image of descent_pad_to_hwc: rows[oh·oW + ow][(i·kW + j)·C + c] = hwc[(oh·sH + i·dH)·Wp + ow·sW + j·dW][c].
DESCENT_KERNEL_NO_BUILTINS(void, descent_im2row, (const descent_conv_geometry *geo, const float *restrict hwc, float *restrict rows),
               (geo, hwc, rows), {
    const long C = geo->channels, Wp = geo->width + 2 * geo->padW;
    const long kH = geo->kernelH, kW = geo->kernelW, sH = geo->strideH, sW = geo->strideW;
    const long dH = geo->dilationH, dW = geo->dilationW, oH = geo->outH, oW = geo->outW;
    const long rowLen = kH * kW * C;
    for (long oh = 0; oh < oH; oh++) {
        for (long ow = 0; ow < oW; ow++) {
            float *d = rows + (oh * oW + ow) * rowLen;
            for (long i = 0; i < kH; i++) {
                const float *s = hwc + ((oh * sH + i * dH) * Wp + ow * sW) * C;
                if (dW == 1) {
                    descent_copy(d, s, kW * C);
                    d += kW * C;
                } else {
                    for (long j = 0; j < kW; j++) {
                        descent_copy(d, s + j * dW * C, C);
                        d += C;
                    }
                }
            }
        }
    }
})
