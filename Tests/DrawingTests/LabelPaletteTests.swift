import Testing

@testable import Drawing

@Suite struct LabelPaletteTests {
    /// glimpse's 34 labels: background, neck and 16 parts on each side.
    static let glimpseNames =
        ["background", "neck"] + LabelPalette.pairedParts.flatMap { ["\($0) left", "\($0) right"] }

    @Test func everyGlimpseLabelLooksDifferentFromEveryOther() {
        let palette = LabelPalette(names: Self.glimpseNames)
        #expect(palette.colours.count == 34)
        var closest = (1.0, "", "")
        for i in palette.colours.indices {
            for j in palette.colours.indices where j > i {
                let d = palette.colours[i].distance(to: palette.colours[j])
                if d < closest.0 { closest = (d, palette.names[i], palette.names[j]) }
            }
        }
        // 0.02 in OKLab is about the smallest difference people see.
        #expect(closest.0 > 0.075, "\(closest.1) and \(closest.2) are \(closest.0) apart")
    }

    @Test func leftAndRightShareAHueLeftDarker() {
        for part in LabelPalette.pairedParts {
            guard let left = LabelPalette.colour(name: part + " left"), let right = LabelPalette.colour(name: "right " + part)
            else {
                Issue.record("no colour for \(part)")
                continue
            }
            let dh = abs(left.hue - right.hue)
            #expect(min(dh, 360 - dh) < 15, "\(part): hues \(left.hue) and \(right.hue)")
            #expect(left.oklab.x + 0.08 < right.oklab.x, "\(part): left should be darker")
        }
    }

    @Test func aPartHasOneColourWhateverTheMapCallsItOrWhereItSits() {
        let a = LabelPalette(names: ["background", "upper-arm left", "left wrist", "neck"])
        let b = LabelPalette(names: ["neck", "Wrist_Left", "background", "upper arm left"])
        #expect(a[1] == b[3])
        #expect(a[2] == b[1])
        #expect(a[0] == .black && b[2] == .black)
    }

    @Test func namesOutsideTheSchemeGetTheirOwnColours() {
        let p = LabelPalette(names: ["background", "left", "right", "tail", "wing"])
        #expect(Set(p.colours).count == 5)
        // An aggregated "left"/"right" map still pairs its two sides in one hue.
        let dh = abs(p[1].hue - p[2].hue)
        #expect(min(dh, 360 - dh) < 15)
        #expect(p[7] == RGB(128, 128, 128))
    }

    @Test func paintingMapsEveryLabelToItsColour() {
        let p = LabelPalette(names: Self.glimpseNames)
        let rgb = p.paint([0, 1, 5])
        #expect(Array(rgb[0..<3]) == [0, 0, 0])
        #expect(RGB(rgb[6], rgb[7], rgb[8]) == p[5])
        #expect(p.triples.count == 3 * 34)
    }
}
