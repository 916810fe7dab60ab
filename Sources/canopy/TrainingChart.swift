import ArgumentParser
import Dataset
import Foundation
import ImagePipeline
import RDTCore

/// A 2x2 panel PNG of per-level curves, each series scaled to its panel.
enum TrainingChart {
    static let width = 640, height = 400

    static func draw(_ rows: [[Double]], to path: String) throws {
        var rgb = [UInt8](repeating: 255, count: width * height * 3)
        // (columns, colours) per panel.
        let panels: [[(Int, (UInt8, UInt8, UInt8))]] = [
            [(2, (30, 110, 200)), (3, (220, 120, 30))], [(4, (40, 160, 60))],
            [(5, (200, 40, 40)), (6, (120, 60, 180))], [(7, (60, 60, 60)), (8, (20, 170, 170))],
        ]
        let pw = width / 2, ph = height / 2, margin = 16.0
        for (k, series) in panels.enumerated() {
            let ox = Double((k % 2) * pw), oy = Double((k / 2) * ph)
            let left = ox + margin, right = ox + Double(pw) - margin, top = oy + margin, bottom = oy + Double(ph) - margin
            Pictures.line(&rgb, width: width, height: height, from: SIMD2(left, bottom), to: SIMD2(right, bottom), colour: (0, 0, 0))
            Pictures.line(&rgb, width: width, height: height, from: SIMD2(left, top), to: SIMD2(left, bottom), colour: (0, 0, 0))
            for (column, colour) in series {
                let values = rows.map { $0[column] }
                let hi = max(values.max() ?? 0, 1e-9)
                let n = max(1, values.count - 1)
                let points = values.enumerated().map { i, v in
                    SIMD2(left + (right - left) * Double(i) / Double(n), bottom - (bottom - top) * v / hi)
                }
                for (a, b) in zip(points, points.dropFirst()) {
                    Pictures.line(&rgb, width: width, height: height, from: a, to: b, colour: colour)
                }
                for p in points { Pictures.dot(&rgb, width: width, height: height, at: p, radius: 1, colour: colour) }
            }
        }
        try PNGImage(width: width, height: height, channels: 3, samples: .u8(rgb)).write(path)
    }
}
