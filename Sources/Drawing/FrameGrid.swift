import Foundation

/// An RGB picture of one panel of a frame (depth in grey, or labels in colour).
public struct FramePanel: Sendable {
    public var rgb: [UInt8]
    public var width: Int
    public var height: Int

    public init(rgb: [UInt8], width: Int, height: Int) {
        self.rgb = rgb
        self.width = width
        self.height = height
    }
}

/// One frame of a sheet: its panels side by side under a caption, optionally framed in a colour.
public struct FrameCell: Sendable {
    public var caption: String
    public var panels: [FramePanel]
    public var highlight: RGB?

    public init(caption: String, panels: [FramePanel], highlight: RGB? = nil) {
        self.caption = caption
        self.panels = panels
        self.highlight = highlight
    }
}

/// Frames in rows under their captions, with column titles over the panels and the label
/// legend below: contact sheets, eval pictures.
public enum FrameGrid {
    /// `titles` name the panels of every cell ("depth", "truth", ...); `scale` enlarges small frames.
    public static func draw(
        _ cells: [FrameCell], columns: Int, titles: [String], palette: LabelPalette, scale: Double = 1, note: String? = nil
    ) -> Canvas {
        let columns = max(1, min(columns, cells.count))
        let panelCount = cells.map(\.panels.count).max() ?? 1
        let pw = Double(cells.flatMap(\.panels).map(\.width).max() ?? 1) * scale
        let ph = Double(cells.flatMap(\.panels).map(\.height).max() ?? 1) * scale
        let gap = 4.0, captionHeight = 18.0, pad = 6.0
        let cellWidth = Double(panelCount) * (pw + gap) - gap + 2 * pad
        let cellHeight = captionHeight + ph + 2 * pad
        let rows = (cells.count + columns - 1) / columns
        let width = max(300, Int(Double(columns) * cellWidth))
        let headHeight = note == nil ? 22.0 : 40.0
        let legendTop = headHeight + Double(rows) * cellHeight
        let legendCount = palette.names.filter { $0.lowercased() != "background" }.count
        let canvas = Canvas(
            width: width, height: Int(legendTop) + LegendStrip.height(entries: legendCount, width: width), background: RGB(245, 245, 245))
        if let note { canvas.text(note, at: SIMD2(pad, 16), size: 12, bold: true) }
        for c in 0..<columns {
            for (k, title) in titles.enumerated() {
                let x = Double(c) * cellWidth + pad + Double(k) * (pw + gap) + pw / 2
                canvas.text(title, at: SIMD2(x, headHeight - 6), size: 11, RGB(90, 90, 90), anchor: .centre)
            }
        }
        for (i, cell) in cells.enumerated() {
            let ox = Double(i % columns) * cellWidth, oy = headHeight + Double(i / columns) * cellHeight
            if let h = cell.highlight {
                canvas.frame(x: ox + 2, y: oy + 2, width: cellWidth - 4, height: cellHeight - 4, h, lineWidth: 3)
            }
            canvas.text(cell.caption, at: SIMD2(ox + pad, oy + pad + 12), size: 11)
            for (k, panel) in cell.panels.enumerated() {
                canvas.image(
                    panel.rgb, width: panel.width, height: panel.height, x: ox + pad + Double(k) * (pw + gap),
                    y: oy + pad + captionHeight, scale: scale)
            }
        }
        LegendStrip.draw(on: canvas, y: legendTop, palette: palette)
        return canvas
    }
}
