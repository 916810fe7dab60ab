import Testing

@testable import Drawing

@Suite struct ChartTests {
    @Test func ticksAreRoundAndCoverTheData() {
        let t = AxisTicks(low: 0, high: 37, count: 4)
        #expect(t.values == [0, 10, 20, 30, 40])
        #expect(AxisTicks(low: 0, high: 0.37, count: 4).values.last == 0.4)
        #expect(AxisTicks(low: 0, high: 0.37, count: 4).label(0.1) == "0.1")
        let big = AxisTicks(low: 0, high: 2_400_000, count: 4)
        #expect(big.label(1_500_000) == "1.5M")
        #expect(AxisTicks(low: 0, high: 4800, count: 4).label(2000) == "2k")
        #expect(AxisTicks(low: 5, high: 5, count: 4).values.count >= 2)
    }

    /// Two curves of one quantity share the panel's scale: a curve a tenth of the other stays in
    /// the bottom of the plot instead of being stretched to its top.
    @Test func curvesOfOnePanelShareAScale() {
        let big = RGB(200, 0, 0), small = RGB(0, 0, 200)
        let chart = LineChart.draw(
            panels: [
                ChartPanel(
                    title: "Nodes", unit: "nodes",
                    series: [
                        ChartSeries(name: "big", colour: big, values: [0, 50, 100]),
                        ChartSeries(name: "small", colour: small, values: [0, 5, 10]),
                    ])
            ], x: [0, 1, 2], xTitle: "level", width: 600, panelHeight: 300)
        let rgb = chart.rgb()
        var rowsOf: [RGB: [Int]] = [:]
        // The plot spans x 78..<430; the legend sits right of it.
        for y in 0..<chart.height {
            for x in 80..<420 {
                let i = 3 * (y * chart.width + x)
                let c = RGB(rgb[i], rgb[i + 1], rgb[i + 2])
                if c == big || c == small { rowsOf[c, default: []].append(y) }
            }
        }
        let plotTop = 26, plotBottom = 300 - 40
        let bigTop = rowsOf[big]?.min() ?? plotBottom, smallTop = rowsOf[small]?.min() ?? plotTop
        #expect(bigTop < plotTop + 10, "the larger curve reaches the top")
        #expect(smallTop > plotBottom - (plotBottom - plotTop) / 5, "the smaller curve stays low: top at \(smallTop)")
    }

    @Test func confusionPictureShadesByShareOfTheRow() {
        let palette = LabelPalette(names: ["background", "head left", "head right"])
        // Truth head left: 9 right, 1 as head right; head right: none at all.
        let counts = [5, 0, 0, 0, 9, 1, 0, 0, 0]
        let picture = ConfusionPicture.draw(counts: counts, palette: palette, cell: 20)
        #expect(picture.width > 3 * 20 + 100 && picture.height > 3 * 20)
        #expect(ConfusionPicture.shade(0) == RGB(255, 255, 255))
        #expect(ConfusionPicture.shade(0.9).oklab.x < ConfusionPicture.shade(0.1).oklab.x)
        let rgb = picture.rgb()
        // The darkest cell colour in the picture is a full row's shade (the background's row).
        var found = false
        for i in stride(from: 0, to: rgb.count, by: 3) where RGB(rgb[i], rgb[i + 1], rgb[i + 2]) == ConfusionPicture.shade(1) {
            found = true
            break
        }
        #expect(found)
    }

    @Test func frameGridFitsItsCellsAndLegend() {
        let palette = LabelPalette(names: ["background", "neck"])
        let panel = FramePanel(rgb: [UInt8](repeating: 90, count: 3 * 40 * 30), width: 40, height: 30)
        let cells = (0..<5).map { FrameCell(caption: "frame \($0)", panels: [panel, panel]) }
        let grid = FrameGrid.draw(cells, columns: 2, titles: ["depth", "labels"], palette: palette)
        #expect(grid.height >= 22 + 3 * (30 + 18) + LegendStrip.height(entries: 1, width: grid.width))
        #expect(CanvasTests.inked(grid, x: 0..<grid.width, y: 0..<grid.height, background: RGB(245, 245, 245)) > 5 * 2 * 40 * 30)
    }
}
