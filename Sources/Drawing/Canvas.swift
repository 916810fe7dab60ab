import CCairo
import Foundation

/// A picture being drawn, through Cairo: shapes, text with a real font, and pixel images.
/// `rgb()` gives the pixels; ImagePipeline's PNGImage writes them as a PNG.
public final class Canvas {
    public let width: Int
    public let height: Int
    let surface: OpaquePointer
    let cr: OpaquePointer

    /// Where a text's anchor point sits on the text.
    public enum Anchor: Sendable { case left, centre, right }

    /// A white (or `background`) picture of `width` x `height` pixels.
    public init(width: Int, height: Int, background: RGB = .white) {
        self.width = max(1, width)
        self.height = max(1, height)
        surface = cairo_image_surface_create(CAIRO_FORMAT_RGB24, Int32(self.width), Int32(self.height))
        cr = cairo_create(surface)
        cairo_select_font_face(cr, "DejaVu Sans", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL)
        fill(x: 0, y: 0, width: Double(self.width), height: Double(self.height), background)
    }

    deinit {
        cairo_destroy(cr)
        cairo_surface_destroy(surface)
    }

    func setColour(_ c: RGB) {
        cairo_set_source_rgb(cr, Double(c.r) / 255, Double(c.g) / 255, Double(c.b) / 255)
    }

    /// Fills a rectangle.
    public func fill(x: Double, y: Double, width: Double, height: Double, _ colour: RGB) {
        setColour(colour)
        cairo_rectangle(cr, x, y, width, height)
        cairo_fill(cr)
    }

    /// Outlines a rectangle.
    public func frame(x: Double, y: Double, width: Double, height: Double, _ colour: RGB, lineWidth: Double = 1) {
        setColour(colour)
        cairo_set_line_width(cr, lineWidth)
        cairo_rectangle(cr, x, y, width, height)
        cairo_stroke(cr)
    }

    /// A polyline through `points`; non-finite points break it.
    public func line(_ points: [SIMD2<Double>], _ colour: RGB, width lineWidth: Double = 1, dashed: Bool = false) {
        setColour(colour)
        cairo_set_line_width(cr, lineWidth)
        if dashed {
            let dashes: [Double] = [4, 3]
            cairo_set_dash(cr, dashes, 2, 0)
        }
        var open = false
        for p in points {
            guard p.x.isFinite, p.y.isFinite else {
                open = false
                continue
            }
            if open { cairo_line_to(cr, p.x, p.y) } else { cairo_move_to(cr, p.x, p.y) }
            open = true
        }
        cairo_stroke(cr)
        cairo_set_dash(cr, nil, 0, 0)
    }

    /// A filled circle.
    public func dot(_ p: SIMD2<Double>, radius: Double, _ colour: RGB) {
        guard p.x.isFinite, p.y.isFinite else { return }
        setColour(colour)
        cairo_arc(cr, p.x, p.y, radius, 0, 2 * .pi)
        cairo_fill(cr)
    }

    /// Text whose baseline passes through `at`, anchored left, centre or right there; `rotated`
    /// turns it a quarter counter-clockwise (for vertical axis titles and column names).
    public func text(
        _ string: String, at p: SIMD2<Double>, size: Double = 12, _ colour: RGB = .black, anchor: Anchor = .left,
        bold: Bool = false, rotated: Bool = false
    ) {
        cairo_save(cr)
        cairo_select_font_face(
            cr, "DejaVu Sans", CAIRO_FONT_SLANT_NORMAL, bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL)
        cairo_set_font_size(cr, size)
        let w = textWidth(string, size: size, bold: bold)
        cairo_translate(cr, p.x, p.y)
        if rotated { cairo_rotate(cr, -.pi / 2) }
        let dx = anchor == .left ? 0 : anchor == .centre ? -w / 2 : -w
        setColour(colour)
        cairo_move_to(cr, dx, 0)
        cairo_show_text(cr, string)
        cairo_restore(cr)
    }

    /// How wide `string` is, in pixels, at `size`.
    public func textWidth(_ string: String, size: Double = 12, bold: Bool = false) -> Double {
        cairo_save(cr)
        cairo_select_font_face(
            cr, "DejaVu Sans", CAIRO_FONT_SLANT_NORMAL, bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL)
        cairo_set_font_size(cr, size)
        var extents = cairo_text_extents_t()
        cairo_text_extents(cr, string, &extents)
        cairo_restore(cr)
        return extents.x_advance
    }

    /// Places an RGB image (3 bytes per pixel, rows packed) with its top left at (x, y), each
    /// pixel drawn as a `scale` x `scale` square (nearest neighbour: labels stay crisp).
    public func image(_ rgb: [UInt8], width w: Int, height h: Int, x: Double, y: Double, scale: Double = 1) {
        guard w > 0, h > 0, rgb.count >= 3 * w * h else { return }
        let image = cairo_image_surface_create(CAIRO_FORMAT_RGB24, Int32(w), Int32(h))
        defer { cairo_surface_destroy(image) }
        cairo_surface_flush(image)
        let stride = Int(cairo_image_surface_get_stride(image))
        if let data = cairo_image_surface_get_data(image) {
            rgb.withUnsafeBufferPointer { src in
                for row in 0..<h {
                    let line = UnsafeMutableRawPointer(data + row * stride).assumingMemoryBound(to: UInt32.self)
                    for col in 0..<w {
                        let i = 3 * (row * w + col)
                        line[col] = UInt32(src[i]) << 16 | UInt32(src[i + 1]) << 8 | UInt32(src[i + 2])
                    }
                }
            }
        }
        cairo_surface_mark_dirty(image)
        cairo_save(cr)
        cairo_translate(cr, x, y)
        cairo_scale(cr, scale, scale)
        cairo_set_source_surface(cr, image, 0, 0)
        cairo_pattern_set_filter(cairo_get_source(cr), CAIRO_FILTER_NEAREST)
        cairo_rectangle(cr, 0, 0, Double(w), Double(h))
        cairo_fill(cr)
        cairo_restore(cr)
    }

    /// The picture's pixels: 3 bytes (R, G, B) per pixel, rows packed.
    public func rgb() -> [UInt8] {
        cairo_surface_flush(surface)
        var out = [UInt8](repeating: 0, count: 3 * width * height)
        guard let data = cairo_image_surface_get_data(surface) else { return out }
        let stride = Int(cairo_image_surface_get_stride(surface))
        for row in 0..<height {
            let line = UnsafeRawPointer(data + row * stride).assumingMemoryBound(to: UInt32.self)
            for col in 0..<width {
                let v = line[col], i = 3 * (row * width + col)
                out[i] = UInt8(truncatingIfNeeded: v >> 16)
                out[i + 1] = UInt8(truncatingIfNeeded: v >> 8)
                out[i + 2] = UInt8(truncatingIfNeeded: v)
            }
        }
        return out
    }
}
