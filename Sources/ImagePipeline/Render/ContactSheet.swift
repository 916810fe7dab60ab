import Dataset
import Foundation
import RDTCore

/// A PNG for people: depth in grey beside labels in colour, one row per frame.
public enum ContactSheet {
    /// A fixed colour per render label value (background black).
    public static func colour(_ value: UInt8) -> (UInt8, UInt8, UInt8) {
        if value == RenderLabel.background.rawValue || value == 0 { return (0, 0, 0) }
        return hue(Int(value) * 47)
    }

    /// A saturated colour at `degrees` around the hue circle.
    public static func hue(_ degrees: Int) -> (UInt8, UInt8, UInt8) {
        let h = Double(degrees % 360) / 60, x = 1 - abs(h.truncatingRemainder(dividingBy: 2) - 1)
        let (r, g, b): (Double, Double, Double) =
            h < 1 ? (1, x, 0) : h < 2 ? (x, 1, 0) : h < 3 ? (0, 1, x) : h < 4 ? (0, x, 1) : h < 5 ? (x, 0, 1) : (1, 0, x)
        return (UInt8(60 + 195 * r), UInt8(60 + 195 * g), UInt8(60 + 195 * b))
    }

    public static func write(_ frames: [RenderedFrame], to path: String) throws {
        guard let first = frames.first else { return }
        let w = first.width, h = first.height
        var rgb = [UInt8](repeating: 0, count: 2 * w * h * frames.count * 3)
        for (k, frame) in frames.enumerated() {
            let grey = Pictures.grey(frame.depth, background: UInt16.max)
            for y in 0..<h {
                for x in 0..<w {
                    let i = y * w + x
                    let row = (k * h + y) * 2 * w
                    let g = grey[i]
                    rgb[(row + x) * 3] = g
                    rgb[(row + x) * 3 + 1] = g
                    rgb[(row + x) * 3 + 2] = g
                    let c = colour(frame.labels[i])
                    rgb[(row + w + x) * 3] = c.0
                    rgb[(row + w + x) * 3 + 1] = c.1
                    rgb[(row + w + x) * 3 + 2] = c.2
                }
            }
        }
        try PNGImage(width: 2 * w, height: h * frames.count, channels: 3, samples: .u8(rgb)).write(path)
    }
}
