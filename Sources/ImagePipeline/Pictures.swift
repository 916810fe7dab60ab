import Dataset
import Foundation
import RDTCore

/// PNG pictures for people: label images in colour, confusion heat maps.
public enum Pictures {
    /// A colour per packed label (background black), spread around the hue circle.
    public static func colour(packed label: UInt8) -> (UInt8, UInt8, UInt8) {
        label == 0 ? (0, 0, 0) : ContactSheet.hue(Int(label) * 47)
    }

    /// The palette of `colour(packed:)` for labels 0..<count, as RGB triples (for palette PNGs).
    public static func palette(count: Int) -> [UInt8] {
        (0..<min(256, max(1, count))).flatMap { l -> [UInt8] in
            let c = colour(packed: UInt8(l))
            return [c.0, c.1, c.2]
        }
    }

    /// Depth as grey for people: near body pixels bright, far ones darker, no reading (0) and the
    /// background (>= `background` mm) black.
    public static func grey(_ depth: [UInt16], background: UInt16 = 32000) -> [UInt8] {
        let body = depth.filter { $0 > 0 && $0 < background }
        let lo = Double(body.min() ?? 0), hi = Double(body.max() ?? 1)
        return depth.map { d in
            d == 0 || d >= background ? 0 : UInt8(255 - 200 * (Double(d) - lo) / max(1, hi - lo))
        }
    }

    /// Draws a line into an RGB image (clipped to it).
    public static func line(
        _ rgb: inout [UInt8], width: Int, height: Int, from a: SIMD2<Double>, to b: SIMD2<Double>,
        colour: (UInt8, UInt8, UInt8)
    ) {
        let steps = Int(max(abs(b.x - a.x), abs(b.y - a.y)).rounded(.up)) + 1
        guard steps < 100_000 else { return }
        for k in 0...steps {
            let t = Double(k) / Double(max(1, steps))
            dot(&rgb, width: width, height: height, at: a + (b - a) * t, radius: 0, colour: colour)
        }
    }

    /// Fills a square of side 2 radius + 1 around `p` (clipped).
    public static func dot(
        _ rgb: inout [UInt8], width: Int, height: Int, at p: SIMD2<Double>, radius: Int,
        colour: (UInt8, UInt8, UInt8)
    ) {
        guard p.x.isFinite, p.y.isFinite, abs(p.x) < 1e6, abs(p.y) < 1e6 else { return }
        let cx = Int(p.x.rounded(.down)), cy = Int(p.y.rounded(.down))
        for y in (cy - radius)...(cy + radius) where y >= 0 && y < height {
            for x in (cx - radius)...(cx + radius) where x >= 0 && x < width {
                rgb[3 * (y * width + x)] = colour.0
                rgb[3 * (y * width + x) + 1] = colour.1
                rgb[3 * (y * width + x) + 2] = colour.2
            }
        }
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

    /// Frames as training sees them, `columns` to a row: each a pair [depth grey | label colours]
    /// (packed labels, the palette of every picture), a mirrored copy framed in yellow.
    public static func frameSheet(
        _ frames: [(depth: [UInt16], labels: [UInt8], flipped: Bool)], width w: Int, height h: Int, columns: Int,
        background: UInt16, to path: String
    ) throws {
        let columns = max(1, min(columns, frames.count))
        let rows = (frames.count + columns - 1) / columns
        let pairWidth = 2 * w + 4, cellHeight = h + 4
        let sheetWidth = columns * pairWidth, sheetHeight = max(1, rows) * cellHeight
        var rgb = [UInt8](repeating: 0, count: 3 * sheetWidth * sheetHeight)
        func put(_ x: Int, _ y: Int, _ c: (UInt8, UInt8, UInt8)) {
            let at = 3 * (y * sheetWidth + x)
            rgb[at] = c.0
            rgb[at + 1] = c.1
            rgb[at + 2] = c.2
        }
        for (k, frame) in frames.enumerated() {
            let ox = (k % columns) * pairWidth, oy = (k / columns) * cellHeight
            if frame.flipped {
                for x in ox..<(ox + pairWidth) {
                    for y in [oy, oy + 1, oy + cellHeight - 2, oy + cellHeight - 1] { put(x, y, (255, 220, 0)) }
                }
                for y in oy..<(oy + cellHeight) {
                    for x in [ox, ox + 1, ox + pairWidth - 2, ox + pairWidth - 1] { put(x, y, (255, 220, 0)) }
                }
            }
            let grey = Pictures.grey(frame.depth, background: background)
            for y in 0..<h {
                for x in 0..<w {
                    let g = grey[y * w + x]
                    put(ox + 2 + x, oy + 2 + y, (g, g, g))
                    put(ox + 2 + w + x, oy + 2 + y, colour(packed: frame.labels[y * w + x]))
                }
            }
        }
        try PNGImage(width: sheetWidth, height: sheetHeight, channels: 3, samples: .u8(rgb)).write(path)
    }

    /// Rows of [depth grey | truth colours | prediction colours].
    public static func comparison(
        _ rows: [(depth: [UInt16], truth: [UInt8], predicted: [UInt8])], width w: Int, height h: Int,
        to path: String
    ) throws {
        var rgb = [UInt8](repeating: 0, count: 3 * w * h * rows.count * 3)
        for (k, row) in rows.enumerated() {
            let grey = Pictures.grey(row.depth)
            for y in 0..<h {
                for x in 0..<w {
                    let i = y * w + x, base = ((k * h + y) * 3 * w + x) * 3
                    let g = grey[i]
                    rgb[base] = g
                    rgb[base + 1] = g
                    rgb[base + 2] = g
                    for (panel, label) in [(1, row.truth[i]), (2, row.predicted[i])] {
                        let c = colour(packed: label), at = base + panel * w * 3
                        rgb[at] = c.0
                        rgb[at + 1] = c.1
                        rgb[at + 2] = c.2
                    }
                }
            }
        }
        try PNGImage(width: 3 * w, height: h * rows.count, channels: 3, samples: .u8(rgb)).write(path)
    }

    /// The confusion matrix as a heat map: row = truth, column = prediction, each row normalized,
    /// `cell` pixels per entry (white = 0, dark red = all of the row).
    public static func heatMap(_ m: ConfusionMatrix, cell: Int = 12, to path: String) throws {
        let n = m.labels, size = n * cell
        var rgb = [UInt8](repeating: 255, count: size * size * 3)
        for t in 0..<n {
            let support = max(1, m.support(t))
            for p in 0..<n {
                let v = Double(m.counts[t * n + p]) / Double(support)
                let (r, g, b) = (UInt8(255 - 100 * v), UInt8(255 * (1 - v)), UInt8(255 * (1 - v)))
                for y in (t * cell)..<((t + 1) * cell - 1) {
                    for x in (p * cell)..<((p + 1) * cell - 1) {
                        rgb[(y * size + x) * 3] = r
                        rgb[(y * size + x) * 3 + 1] = g
                        rgb[(y * size + x) * 3 + 2] = b
                    }
                }
            }
        }
        try PNGImage(width: size, height: size, channels: 3, samples: .u8(rgb)).write(path)
    }
}
