// Thin C binding of zlib (the system library: zlib1g-dev on Debian/Ubuntu, part of the SDK on macOS).
// The init functions of zlib are macros, which Swift cannot call; these wrappers expose them.
#ifndef DESCENT_CZLIB_SHIM_H
#define DESCENT_CZLIB_SHIM_H

#include <zlib.h>

/// inflateInit2 for gzip streams only (window 15 bits, gzip header and trailer required).
static inline int descent_inflate_init_gzip(z_stream *stream) {
    return inflateInit2(stream, 15 + 16);
}

/// deflateInit2 writing a gzip stream (window 15 bits, memory level 8, default strategy) at `level` (0...9).
static inline int descent_deflate_init_gzip(z_stream *stream, int level) {
    return deflateInit2(stream, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
}

/// deflateInit2 writing a zlib (RFC 1950) stream, as PNG's IDAT holds (window 15 bits, memory level 8, default
/// strategy) at `level` (0...9).
static inline int descent_deflate_init_zlib(z_stream *stream, int level) {
    return deflateInit2(stream, level, Z_DEFLATED, 15, 8, Z_DEFAULT_STRATEGY);
}

#endif
