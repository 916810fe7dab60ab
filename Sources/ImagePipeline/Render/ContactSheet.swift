import Dataset
import Drawing
import Foundation
import RDTCore

/// A PNG for people: rendered frames under their names, depth in grey beside labels in the
/// colours every Canopy picture gives those body parts, with the legend below.
public enum ContactSheet {
    public static func write(_ frames: [(name: String, frame: RenderedFrame)], to path: String) throws {
        guard !frames.isEmpty else { return }
        let (palette, index) = RenderLabel.palette
        let cells = frames.map { item in
            let f = item.frame
            return FrameCell(
                caption: item.name,
                panels: [
                    Pictures.greyPanel(f.depth, width: f.width, height: f.height, background: UInt16.max),
                    FramePanel(rgb: palette.paint(f.labels.map { index[Int($0)] }), width: f.width, height: f.height),
                ])
        }
        let canvas = FrameGrid.draw(cells, columns: 3, titles: ["depth", "labels"], palette: palette)
        try PNGImage(canvas).write(path)
    }
}
