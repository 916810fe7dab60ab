import Drawing
import Foundation
import RDTCore
import Testing

@testable import Reports

@Suite struct EvaluationPageTests {
    static func evaluation() -> Evaluation {
        var m = ConfusionMatrix(labels: 3)
        m.add(truth: [0, 1, 1, 1, 2, 2], predicted: [0, 1, 1, 2, 2, 2], ignore: nil)
        let names = ["background", "head left", "<b>head</b> right"]
        return Evaluation(
            index: "test", forest: ["f/tree0.json"], matrix: m, palette: LabelPalette(names: names),
            frames: [("walk-0001", 0.9), ("run-0007", 0.3), ("jump-0002", 0.6)], lowAccuracy: 0.5)
    }

    @Test func thePageHoldsTheTablesAndPicturesAndNothingFromANetwork() throws {
        let png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 1, 2, 3]
        let html = EvaluationPage.html(Self.evaluation(), confusionPNG: png, worstFramesPNG: png, worstFrames: 2, training: nil)
        #expect(html.hasPrefix("<!DOCTYPE html>"))
        #expect(html.contains("head left"))
        // A name is text, never markup.
        #expect(html.contains("&lt;b&gt;head&lt;/b&gt; right") && !html.contains("<b>head</b>"))
        #expect(html.contains("data:image/png;base64,\(Data(png).base64EncodedString())"))
        #expect(!html.contains("http://") && !html.contains("https://") && !html.contains("src=\"/"))
        // Pixel accuracy 5 of 6; worst frames first, only two of them.
        #expect(html.contains("83.3%"))
        let worst = try #require(html.range(of: "id=\"worst-frames\""))
        let tail = html[worst.upperBound...]
        #expect(tail.range(of: "run-0007")!.lowerBound < tail.range(of: "jump-0002")!.lowerBound)
        #expect(!tail.prefix(upTo: tail.range(of: "</table>")!.lowerBound).contains("walk-0001"))
        #expect(html.contains("no canopy training history"))
    }

    @Test func thePerLabelTableHasCountsPrecisionAndIoU() {
        let html = EvaluationPage.html(Self.evaluation(), confusionPNG: [], worstFramesPNG: nil, worstFrames: 3, training: nil)
        // head left: 3 pixels, 2 predicted and both right: accuracy 66.7%, precision 100%, IoU 66.7%.
        let row = html.components(separatedBy: "<tr>").first { $0.contains("head left</td>") } ?? ""
        #expect(row.contains(">3</td>") && row.contains(">2</td>"))
        #expect(row.contains("66.7%") && row.contains("100.0%"))
        #expect(row.contains("background:\(LabelPalette(names: ["background", "head left"])[1].hex)"))
    }

    @Test func escapingCoversEverySpecialCharacter() {
        #expect(HTMLPage.escape("a<b>&\"c'") == "a&lt;b&gt;&amp;&quot;c&#39;")
    }
}
