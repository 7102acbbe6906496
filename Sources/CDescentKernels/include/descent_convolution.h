// The data movement of 2-D convolution: padding, im2col / col2im and im2row (the transposed column matrix).
#ifndef DESCENT_CONVOLUTION_H
#define DESCENT_CONVOLUTION_H

#include "descent_dispatch.h"

/// The geometry of a 2-D convolution for im2col / col2im (one group of one image).
typedef struct {
    long channels, height, width;   // input planes of the group
    long kernelH, kernelW, strideH, strideW, padH, padW, dilationH, dilationW;
    long outH, outW;
} descent_conv_geometry;

/// The padded planes of one group: dst[c][(h + padH)·Wp + w + padW] = src[c][h][w], Wp = width + 2·padW, 0 on
/// the borders (Hp = height + 2·padH rows per plane).
DESCENT_DECLARE(void, descent_pad_planes, (const descent_conv_geometry *geo, const float *restrict src,
                                           float *restrict dst))

/// dst[c][h][w] = src[c][(h + padH)·Wp + w + padW] (+ bias[c] when bias ≠ NULL): the inverse of descent_pad_planes.
DESCENT_DECLARE(void, descent_unpad_planes, (const descent_conv_geometry *geo, const float *restrict src,
                                             const float *restrict bias, float *restrict dst))

/// The column matrix of one group from its padded planes (descent_pad_planes):
/// cols[(c·kH + i)·kW + j][oh·oW + ow] = pad[c][(oh·sH + i·dH)·Wp + ow·sW + j·dW].
DESCENT_DECLARE(void, descent_im2col_padded, (const descent_conv_geometry *geo, const float *restrict pad,
                                              float *restrict cols))

/// The adjoint of descent_im2col_padded: pad is zeroed, then pad[c][…] += cols[…] at the same positions.
DESCENT_DECLARE(void, descent_col2im_padded, (const descent_conv_geometry *geo, const float *restrict cols,
                                              float *restrict pad))

/// The image of one group in channels-last order with its zero padding:
/// dst[(h + padH)·Wp + (w + padW)][c] = src[c][h][w], Wp = width + 2·padW, and 0 on the borders.
DESCENT_DECLARE(void, descent_pad_to_hwc, (const descent_conv_geometry *geo, const float *restrict src,
                                           float *restrict dst))

/// The transposed column matrix of one group ("im2row"), one row per output position, from the padded
/// channels-last image of descent_pad_to_hwc: rows[oh·oW + ow][(i·kW + j)·C + c] = hwc[(oh·sH + i·dH)·Wp + ow·sW + j·dW][c].
DESCENT_DECLARE(void, descent_im2row, (const descent_conv_geometry *geo, const float *restrict hwc,
                                       float *restrict rows))

#endif
