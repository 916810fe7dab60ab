import Testing

@testable import Drawing

@Suite struct CanvasTests {
    /// Pixels in a rectangle that are not the background colour.
    static func inked(_ c: Canvas, x: Range<Int>, y: Range<Int>, background: RGB = .white) -> Int {
        let rgb = c.rgb()
        var n = 0
        for row in y {
            for col in x {
                let i = 3 * (row * c.width + col)
                if RGB(rgb[i], rgb[i + 1], rgb[i + 2]) != background { n += 1 }
            }
        }
        return n
    }

    @Test func textIsDrawnWithARealFont() {
        let c = Canvas(width: 200, height: 40)
        #expect(Self.inked(c, x: 0..<200, y: 0..<40) == 0)
        c.text("head left 87%", at: SIMD2(4, 24), size: 14)
        #expect(Self.inked(c, x: 0..<200, y: 0..<40) > 60)
        // Nothing leaks to the right of the text's measured width.
        let w = Int(c.textWidth("head left 87%", size: 14).rounded(.up))
        #expect(w > 60 && w < 190)
        #expect(Self.inked(c, x: (w + 8)..<200, y: 0..<40) == 0)
        #expect(c.textWidth("head left", size: 14) < c.textWidth("head left 87%", size: 14))
    }

    @Test func imagesArePlacedPixelForPixelAndScaledCrisply() {
        let c = Canvas(width: 10, height: 10)
        c.image([255, 0, 0, 0, 0, 255], width: 2, height: 1, x: 2, y: 3, scale: 2)
        let rgb = c.rgb()
        func at(_ x: Int, _ y: Int) -> RGB { RGB(rgb[3 * (y * 10 + x)], rgb[3 * (y * 10 + x) + 1], rgb[3 * (y * 10 + x) + 2]) }
        #expect(at(2, 3) == RGB(255, 0, 0) && at(3, 4) == RGB(255, 0, 0))
        #expect(at(4, 3) == RGB(0, 0, 255) && at(5, 4) == RGB(0, 0, 255))
        #expect(at(1, 3) == .white && at(6, 3) == .white && at(2, 5) == .white)
    }
}
