import Foundation

/// A strip of colour swatches with the label names, wrapped into rows to fit a width.
public enum LegendStrip {
    static let entryWidth = 138.0, rowHeight = 18.0

    /// The height the strip needs at `width` for `count` entries.
    public static func height(entries count: Int, width: Int) -> Int {
        let columns = max(1, Int((Double(width) - 8) / entryWidth))
        return Int(Double((count + columns - 1) / columns) * rowHeight) + 8
    }

    /// Draws the entries (packed labels `labels`, default all but background) at `y`.
    public static func draw(on canvas: Canvas, y: Double, palette: LabelPalette, labels: [Int]? = nil) {
        let shown = labels ?? palette.names.indices.filter { palette.names[$0].lowercased() != "background" }
        let columns = max(1, Int((Double(canvas.width) - 8) / entryWidth))
        for (k, label) in shown.enumerated() {
            let x = 8 + Double(k % columns) * entryWidth, top = y + 4 + Double(k / columns) * rowHeight
            canvas.fill(x: x, y: top + 3, width: 12, height: 12, palette[label])
            canvas.frame(x: x - 0.5, y: top + 2.5, width: 13, height: 13, RGB(120, 120, 120))
            canvas.text(palette.names[label], at: SIMD2(x + 17, top + 13), size: 11)
        }
    }

    /// The strip alone, as a picture.
    public static func picture(palette: LabelPalette, width: Int = 720) -> Canvas {
        let count = palette.names.filter { $0.lowercased() != "background" }.count
        let canvas = Canvas(width: width, height: height(entries: count, width: width))
        draw(on: canvas, y: 0, palette: palette)
        return canvas
    }
}
