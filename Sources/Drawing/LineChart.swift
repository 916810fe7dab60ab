import Foundation

/// One curve of a chart panel: a value per x (nil where there is none).
public struct ChartSeries: Sendable {
    public var name: String
    public var colour: RGB
    public var values: [Double?]
    public var dashed: Bool

    public init(name: String, colour: RGB, values: [Double?], dashed: Bool = false) {
        self.name = name
        self.colour = colour
        self.values = values
        self.dashed = dashed
    }
}

/// One quantity: its curves share the panel's y scale.
public struct ChartPanel: Sendable {
    public var title: String
    public var unit: String
    public var series: [ChartSeries]

    public init(title: String, unit: String, series: [ChartSeries]) {
        self.title = title
        self.unit = unit
        self.series = series
    }
}

/// Panels stacked over one x axis, each with a title, ticks on both axes, a y-axis title and a
/// legend naming its curves.
public enum LineChart {
    static let left = 78.0, right = 170.0, top = 26.0, bottom = 40.0

    public static func draw(panels: [ChartPanel], x: [Double], xTitle: String, width: Int = 780, panelHeight: Int = 190)
        -> Canvas
    {
        let canvas = Canvas(width: width, height: max(1, panels.count) * panelHeight)
        let xTicks = AxisTicks(low: x.min() ?? 0, high: x.max() ?? 1, count: min(10, max(1, x.count - 1)))
        for (k, panel) in panels.enumerated() {
            let oy = Double(k * panelHeight)
            let plot = (x0: left, x1: Double(width) - right, y0: oy + top, y1: oy + Double(panelHeight) - bottom)
            let all = panel.series.flatMap { $0.values.compactMap { $0 } }.filter(\.isFinite)
            let yTicks = AxisTicks(low: all.min() ?? 0, high: all.max() ?? 1, count: 4)
            func px(_ v: Double) -> Double {
                plot.x0 + (plot.x1 - plot.x0) * (v - xTicks.low) / max(1e-12, xTicks.high - xTicks.low)
            }
            func py(_ v: Double) -> Double {
                plot.y1 - (plot.y1 - plot.y0) * (v - yTicks.low) / max(1e-12, yTicks.high - yTicks.low)
            }
            canvas.text(panel.title, at: SIMD2(plot.x0, oy + 17), size: 13, bold: true)
            let grid = RGB(225, 225, 225), ink = RGB(60, 60, 60)
            for v in yTicks.values {
                canvas.line([SIMD2(plot.x0, py(v)), SIMD2(plot.x1, py(v))], grid)
                canvas.text(yTicks.label(v), at: SIMD2(plot.x0 - 6, py(v) + 4), size: 10, ink, anchor: .right)
            }
            for v in xTicks.values {
                canvas.line([SIMD2(px(v), plot.y1), SIMD2(px(v), plot.y1 + 4)], ink)
                canvas.text(xTicks.label(v), at: SIMD2(px(v), plot.y1 + 15), size: 10, ink, anchor: .centre)
            }
            canvas.line([SIMD2(plot.x0, plot.y0), SIMD2(plot.x0, plot.y1), SIMD2(plot.x1, plot.y1)], ink)
            canvas.text(panel.unit, at: SIMD2(16, (plot.y0 + plot.y1) / 2), size: 10, ink, anchor: .centre, rotated: true)
            canvas.text(xTitle, at: SIMD2((plot.x0 + plot.x1) / 2, plot.y1 + 31), size: 10, ink, anchor: .centre)
            for (s, series) in panel.series.enumerated() {
                let points = zip(x, series.values).map { xv, yv in yv.map { SIMD2(px(xv), py($0)) } ?? SIMD2(.nan, .nan) }
                canvas.line(points, series.colour, width: 2, dashed: series.dashed)
                for p in points { canvas.dot(p, radius: 2.5, series.colour) }
                // Legend: a short sample of the line and the curve's name.
                let ly = plot.y0 + 6 + Double(s) * 18
                canvas.line([SIMD2(plot.x1 + 14, ly), SIMD2(plot.x1 + 38, ly)], series.colour, width: 2, dashed: series.dashed)
                canvas.text(series.name, at: SIMD2(plot.x1 + 44, ly + 4), size: 11)
            }
        }
        return canvas
    }
}
