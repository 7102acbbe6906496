// Thin C binding of the image decoders Descent reads image folders with (the system libraries: libturbojpeg0-dev,
// libpng-dev and libwebp-dev on Debian/Ubuntu; jpeg-turbo, libpng and webp from Homebrew on macOS): TurboJPEG's
// API, libpng's simplified read API (which reports errors in the image structure rather than with longjmp) and
// libwebp's decoder. The macros Swift cannot import are wrapped here.
#ifndef DESCENT_CIMAGECODECS_SHIM_H
#define DESCENT_CIMAGECODECS_SHIM_H

#include <stddef.h>
#include <stdint.h>
#include <png.h>
#include <turbojpeg.h>
#include <webp/decode.h>

/// PNG_IMAGE_VERSION, for png_image.version.
static inline unsigned int descent_png_image_version(void) { return PNG_IMAGE_VERSION; }

/// The simplified API's output formats: 8-bit grey, RGB and RGBA.
static inline unsigned int descent_png_format_gray(void) { return PNG_FORMAT_GRAY; }
static inline unsigned int descent_png_format_rgb(void) { return PNG_FORMAT_RGB; }
static inline unsigned int descent_png_format_rgba(void) { return PNG_FORMAT_RGBA; }

/// The 16-bit output formats (grey and RGB), used for 16-bit files so that no gamma conversion applies.
static inline unsigned int descent_png_format_linear_y(void) { return PNG_FORMAT_LINEAR_Y; }
static inline unsigned int descent_png_format_linear_rgb(void) { return PNG_FORMAT_LINEAR_RGB; }

/// Whether the file's format has colour (else grey) and alpha.
static inline int descent_png_has_color(unsigned int format) { return (format & PNG_FORMAT_FLAG_COLOR) != 0; }
static inline int descent_png_has_alpha(unsigned int format) { return (format & PNG_FORMAT_FLAG_ALPHA) != 0; }

/// Whether the file holds 16-bit samples.
static inline int descent_png_is_linear(unsigned int format) { return (format & PNG_FORMAT_FLAG_LINEAR) != 0; }

#endif
