import Foundation

/// A confusion matrix as a heat map: rows are the true labels, columns the predicted ones, each
/// row normalized to its pixels; label names (with their colour) on both axes; a colour bar.
public enum ConfusionPicture {
    /// The shade of a share 0...1 of a row: white to dark blue.
    public static func shade(_ share: Double) -> RGB {
        let t = min(1, max(0, share))
        return RGB(lightness: 1 - 0.72 * t, chroma: 0.14 * t, hue: 260)
    }

    /// `counts` holds labels x labels entries, row = truth, column = prediction.
    public static func draw(counts: [Int], palette: LabelPalette, cell: Double = 16) -> Canvas {
        let n = palette.names.count
        let probe = Canvas(width: 1, height: 1)
        let nameWidth = (palette.names.map { probe.textWidth($0, size: 11) }.max() ?? 40) + 24
        let x0 = nameWidth + 30, y0 = nameWidth + 30
        let side = Double(n) * cell
        let canvas = Canvas(width: Int(x0 + side + 110), height: Int(y0 + side + 20))
        let ink = RGB(60, 60, 60)
        canvas.text("predicted", at: SIMD2(x0 + side / 2, 16), size: 12, ink, anchor: .centre, bold: true)
        canvas.text("truth", at: SIMD2(16, y0 + side / 2), size: 12, ink, anchor: .centre, bold: true, rotated: true)
        for (i, name) in palette.names.enumerated() {
            let c = Double(i) * cell
            // Row names, right-aligned against the matrix, after a swatch of the label's colour.
            canvas.text(name, at: SIMD2(x0 - 18, y0 + c + cell * 0.75), size: 11, anchor: .right)
            canvas.fill(x: x0 - 14, y: y0 + c + 3, width: 10, height: cell - 6, palette[i])
            // Column names, vertical, reading upwards from the matrix.
            canvas.text(name, at: SIMD2(x0 + c + cell * 0.72, y0 - 18), size: 11, anchor: .left, rotated: true)
            canvas.fill(x: x0 + c + 3, y: y0 - 14, width: cell - 6, height: 10, palette[i])
        }
        for t in 0..<n {
            let support = (0..<n).reduce(0) { $0 + counts[t * n + $1] }
            for p in 0..<n {
                let share = support == 0 ? 0 : Double(counts[t * n + p]) / Double(support)
                canvas.fill(x: x0 + Double(p) * cell, y: y0 + Double(t) * cell, width: cell - 1, height: cell - 1, shade(share))
            }
            if support == 0 {
                // No pixels of this label: its row is hatched grey, not a row of zeros.
                canvas.fill(x: x0, y: y0 + Double(t) * cell + cell / 2 - 1, width: side - 1, height: 1, RGB(200, 200, 200))
            }
        }
        canvas.frame(x: x0 - 0.5, y: y0 - 0.5, width: side, height: side, ink)
        // The colour bar: share of the row's pixels.
        let bx = x0 + side + 24, barHeight = min(side, 240.0)
        for k in 0..<100 {
            let share = 1 - Double(k) / 99
            canvas.fill(x: bx, y: y0 + barHeight * Double(k) / 100, width: 16, height: barHeight / 100 + 1, shade(share))
        }
        canvas.frame(x: bx - 0.5, y: y0 - 0.5, width: 17, height: barHeight + 1, ink)
        for share in [0.0, 0.25, 0.5, 0.75, 1.0] {
            let y = y0 + barHeight * (1 - share)
            canvas.line([SIMD2(bx + 16, y), SIMD2(bx + 20, y)], ink)
            canvas.text(String(format: "%.0f%%", share * 100), at: SIMD2(bx + 23, y + 4), size: 10, ink)
        }
        canvas.text("of the row", at: SIMD2(bx - 2, y0 + barHeight + 16), size: 10, ink)
        return canvas
    }
}
