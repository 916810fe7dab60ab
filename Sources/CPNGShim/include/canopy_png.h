#ifndef CANOPY_PNG_H
#define CANOPY_PNG_H
#include <stddef.h>
#include <stdint.h>

/// A decoded image: rows packed without padding, 16-bit samples in host byte order.
typedef struct {
    uint32_t width;
    uint32_t height;
    uint32_t bit_depth;   /* 8 or 16 */
    uint32_t channels;    /* 1 (grey), 2 (grey+alpha), 3 (RGB) or 4 (RGBA) */
    void *pixels;         /* malloc'd; free with canopy_png_free */
} canopy_png_image;

/* The largest image canopy_png_read accepts, in pixels (4096 x 4096). */
#define CANOPY_PNG_MAX_PIXELS (4096u * 4096u)

/// Reads a PNG file. Palette images are expanded to RGB(A), unless keep_palette is non-zero: then
/// their palette indices are returned as one 8-bit channel. Bit depths below 8 are expanded to 8.
/// Returns 0 on success; otherwise non-zero with a message in err.
int canopy_png_read(const char *path, canopy_png_image *out, int keep_palette, char *err, size_t err_len);

/// Writes a PNG file (bit_depth 8 or 16, channels 1..4), with zlib level `level` (0-9; 1 is fast).
/// With a palette (palette_size RGB triples), 8-bit single-channel pixels are written as its
/// indices (a palette PNG). Returns 0 on success; otherwise non-zero with a message in err.
int canopy_png_write(const char *path, const canopy_png_image *image, int level, const uint8_t *palette,
                     int palette_size, char *err, size_t err_len);

void canopy_png_free(canopy_png_image *image);

#endif
