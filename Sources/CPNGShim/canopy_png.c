#include "canopy_png.h"
#include <png.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>

typedef struct {
    jmp_buf jump;
    char *err;
    size_t err_len;
} shim_state;

static void shim_error(png_structp png, png_const_charp msg) {
    shim_state *state = (shim_state *)png_get_error_ptr(png);
    snprintf(state->err, state->err_len, "%s", msg);
    longjmp(state->jump, 1);
}

static void shim_warning(png_structp png, png_const_charp msg) {
    (void)png; (void)msg;
}

int canopy_png_read(const char *path, canopy_png_image *out, int keep_palette, char *err, size_t err_len) {
    memset(out, 0, sizeof(*out));
    FILE *fp = fopen(path, "rb");
    if (!fp) {
        snprintf(err, err_len, "cannot open: %s", strerror(errno));
        return 1;
    }
    unsigned char sig[8];
    if (fread(sig, 1, 8, fp) != 8 || png_sig_cmp(sig, 0, 8) != 0) {
        snprintf(err, err_len, "not a PNG file (bad signature)");
        fclose(fp);
        return 1;
    }
    shim_state state;
    state.err = err;
    state.err_len = err_len;
    png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &state, shim_error, shim_warning);
    png_infop info = png ? png_create_info_struct(png) : NULL;
    if (!png || !info) {
        snprintf(err, err_len, "out of memory creating libpng reader");
        if (png) png_destroy_read_struct(&png, NULL, NULL);
        fclose(fp);
        return 1;
    }
    /* volatile: these are modified between setjmp and a possible longjmp */
    void *volatile pixels = NULL;
    png_bytep *volatile rows = NULL;
    if (setjmp(state.jump)) {
        free(pixels);
        free(rows);
        png_destroy_read_struct(&png, &info, NULL);
        fclose(fp);
        return 1;
    }
    png_init_io(png, fp);
    png_set_sig_bytes(png, 8);
    png_read_info(png, info);
    int color = png_get_color_type(png, info);
    int depth = png_get_bit_depth(png, info);
    if (color == PNG_COLOR_TYPE_PALETTE && keep_palette) {
        if (depth < 8) png_set_packing(png);
    } else {
        if (color == PNG_COLOR_TYPE_PALETTE) png_set_palette_to_rgb(png);
        if (color == PNG_COLOR_TYPE_GRAY && depth < 8) png_set_expand_gray_1_2_4_to_8(png);
        if (png_get_valid(png, info, PNG_INFO_tRNS)) png_set_tRNS_to_alpha(png);
    }
    if (depth == 16) {
        const uint16_t probe = 1;
        if (*(const uint8_t *)&probe == 1) png_set_swap(png); /* little-endian host */
    }
    png_set_interlace_handling(png);
    png_read_update_info(png, info);
    uint32_t w = png_get_image_width(png, info);
    uint32_t h = png_get_image_height(png, info);
    size_t rowbytes = png_get_rowbytes(png, info);
    uint32_t channels = png_get_channels(png, info);
    uint32_t bit_depth = png_get_bit_depth(png, info);
    if (w == 0 || h == 0 || (size_t)h * rowbytes > ((size_t)1 << 32)) {
        snprintf(err, err_len, "unsupported image size %ux%u", w, h);
        longjmp(state.jump, 1);
    }
    /* Checked before anything is allocated for it (docs/formats.md): every image Canopy reads is
       a depth or label frame, and 4096 x 4096 is far above any depth sensor's. */
    if ((uint64_t)w * h > CANOPY_PNG_MAX_PIXELS) {
        snprintf(err, err_len, "the image is %ux%u, over Canopy's limit of %u pixels (4096x4096)", w, h,
                 (unsigned)CANOPY_PNG_MAX_PIXELS);
        longjmp(state.jump, 1);
    }
    pixels = malloc((size_t)h * rowbytes);
    rows = malloc(sizeof(png_bytep) * h);
    if (!pixels || !rows) {
        snprintf(err, err_len, "out of memory for %ux%u image", w, h);
        longjmp(state.jump, 1);
    }
    for (uint32_t y = 0; y < h; y++) rows[y] = (png_bytep)pixels + (size_t)y * rowbytes;
    png_read_image(png, rows);
    png_read_end(png, NULL);
    png_destroy_read_struct(&png, &info, NULL);
    fclose(fp);
    free(rows);
    out->width = w;
    out->height = h;
    out->bit_depth = bit_depth;
    out->channels = channels;
    out->pixels = pixels;
    return 0;
}

int canopy_png_write(const char *path, const canopy_png_image *image, int level, const uint8_t *palette,
                     int palette_size, char *err, size_t err_len) {
    if ((image->bit_depth != 8 && image->bit_depth != 16) || image->channels < 1 || image->channels > 4) {
        snprintf(err, err_len, "unsupported format: %u-bit, %u channels", image->bit_depth, image->channels);
        return 1;
    }
    if (palette && (image->bit_depth != 8 || image->channels != 1 || palette_size < 1 || palette_size > 256)) {
        snprintf(err, err_len, "a palette needs 8-bit single-channel indices and 1-256 colours");
        return 1;
    }
    FILE *fp = fopen(path, "wb");
    if (!fp) {
        snprintf(err, err_len, "cannot create: %s", strerror(errno));
        return 1;
    }
    shim_state state;
    state.err = err;
    state.err_len = err_len;
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &state, shim_error, shim_warning);
    png_infop info = png ? png_create_info_struct(png) : NULL;
    if (!png || !info) {
        snprintf(err, err_len, "out of memory creating libpng writer");
        if (png) png_destroy_write_struct(&png, NULL);
        fclose(fp);
        return 1;
    }
    png_bytep *volatile rows = NULL;
    if (setjmp(state.jump)) {
        free(rows);
        png_destroy_write_struct(&png, &info);
        fclose(fp);
        return 1;
    }
    static const int color_types[5] = {0, PNG_COLOR_TYPE_GRAY, PNG_COLOR_TYPE_GRAY_ALPHA, PNG_COLOR_TYPE_RGB,
                                       PNG_COLOR_TYPE_RGB_ALPHA};
    png_init_io(png, fp);
    png_set_compression_level(png, level);
    png_set_filter(png, 0, level <= 1 ? PNG_FILTER_NONE | PNG_FILTER_SUB : PNG_ALL_FILTERS);
    png_set_IHDR(png, info, image->width, image->height, (int)image->bit_depth,
                 palette ? PNG_COLOR_TYPE_PALETTE : color_types[image->channels], PNG_INTERLACE_NONE,
                 PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    if (palette) {
        png_color colours[256];
        for (int i = 0; i < palette_size; i++) {
            colours[i].red = palette[3 * i];
            colours[i].green = palette[3 * i + 1];
            colours[i].blue = palette[3 * i + 2];
        }
        png_set_PLTE(png, info, colours, palette_size);
    }
    png_write_info(png, info);
    if (image->bit_depth == 16) {
        const uint16_t probe = 1;
        if (*(const uint8_t *)&probe == 1) png_set_swap(png);
    }
    size_t rowbytes = (size_t)image->width * image->channels * (image->bit_depth / 8);
    rows = malloc(sizeof(png_bytep) * image->height);
    if (!rows) {
        snprintf(err, err_len, "out of memory");
        longjmp(state.jump, 1);
    }
    for (uint32_t y = 0; y < image->height; y++) rows[y] = (png_bytep)image->pixels + (size_t)y * rowbytes;
    png_write_image(png, rows);
    png_write_end(png, NULL);
    png_destroy_write_struct(&png, &info);
    free(rows);
    if (fclose(fp) != 0) {
        snprintf(err, err_len, "write failed: %s", strerror(errno));
        return 1;
    }
    return 0;
}

void canopy_png_free(canopy_png_image *image) {
    free(image->pixels);
    image->pixels = NULL;
}
