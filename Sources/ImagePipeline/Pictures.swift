import Dataset
import Drawing
import Foundation
import RDTCore

/// PNG pictures for people: frame sheets, eval comparisons, the confusion matrix, all in the
/// label colours of `LabelPalette` and drawn through Drawing (Cairo).
public enum Pictures {
    /// Depth as grey for people: near body pixels bright, far ones darker, no reading (0) and the
    /// background (>= `background` mm) black.
    public static func grey(_ depth: [UInt16], background: UInt16 = 32000) -> [UInt8] {
        let body = depth.filter { $0 > 0 && $0 < background }
        let lo = Double(body.min() ?? 0), hi = Double(body.max() ?? 1)
        return depth.map { d in
            d == 0 || d >= background ? 0 : UInt8(255 - 200 * (Double(d) - lo) / max(1, hi - lo))
        }
    }

    /// Depth as a grey RGB panel.
    public static func greyPanel(_ depth: [UInt16], width: Int, height: Int, background: UInt16 = 32000) -> FramePanel {
        FramePanel(rgb: grey(depth, background: background).flatMap { [$0, $0, $0] }, width: width, height: height)
    }

    /// One full frame of a shard, uncropped: depth (background outside the crop) and labels.
    public static func uncrop(_ f: ShardFrame, background: UInt16) -> (depth: [UInt16], labels: [UInt8]) {
        var depth = [UInt16](repeating: background, count: f.width * f.height)
        var labels = [UInt8](repeating: 0, count: depth.count)
        for y in 0..<f.cropHeight {
            for x in 0..<f.cropWidth {
                depth[(f.cropY + y) * f.width + f.cropX + x] = f.depth[y * f.cropWidth + x]
                labels[(f.cropY + y) * f.width + f.cropX + x] = f.labels[y * f.cropWidth + x]
            }
        }
        return (depth, labels)
    }

    /// Frames as training sees them, `columns` to a row under their names: [depth grey | label
    /// colours] (packed labels), mirrored copies framed in yellow, the legend below.
    public static func frameSheet(
        _ frames: [(name: String, depth: [UInt16], labels: [UInt8], flipped: Bool)], width w: Int, height h: Int,
        columns: Int, background: UInt16, palette: LabelPalette, to path: String
    ) throws {
        let cells = frames.map { f in
            FrameCell(
                caption: f.name + (f.flipped ? " (mirrored)" : ""),
                panels: [
                    greyPanel(f.depth, width: w, height: h, background: background),
                    FramePanel(rgb: palette.paint(f.labels), width: w, height: h),
                ], highlight: f.flipped ? RGB(240, 200, 0) : nil)
        }
        try PNGImage(FrameGrid.draw(cells, columns: columns, titles: ["depth", "labels"], palette: palette)).write(path)
    }

    /// Frames as [depth grey | truth | prediction] under their names and pixel accuracy.
    public static func comparison(
        _ rows: [(name: String, accuracy: Double, depth: [UInt16], truth: [UInt8], predicted: [UInt8])], width w: Int,
        height h: Int, palette: LabelPalette, note: String? = nil
    ) -> Canvas {
        let cells = rows.map { r in
            FrameCell(
                caption: String(format: "%@: %.1f%% of pixels right", r.name, r.accuracy * 100),
                panels: [
                    greyPanel(r.depth, width: w, height: h),
                    FramePanel(rgb: palette.paint(r.truth), width: w, height: h),
                    FramePanel(rgb: palette.paint(r.predicted), width: w, height: h),
                ])
        }
        let scale = w < 200 ? 2.0 : 1.0
        return FrameGrid.draw(cells, columns: 1, titles: ["depth", "truth", "prediction"], palette: palette, scale: scale, note: note)
    }
}
