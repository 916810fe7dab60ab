import Dataset
import Drawing
import Foundation
import ImagePipeline
import RDTCore
import Testing

@Suite struct ExportTests {
    @Test func exportConvertsJSONToRDTAndBack() throws {
        let dir = NSTemporaryDirectory() + "canopy-export-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let text = """
            {"depth": 3, "vertical_fov": 0.7669, "n_labels": 3, "bg_label": 0, "bg_depth": 32.0,
             "labels": [{"name": "background"}, {"name": "left", "opposite": "right"}, {"name": "right", "opposite": "left"}],
             "root": {"t": 0.125, "u": [12.5, -3], "v": [0, 4.25],
                      "l": {"t": -0.3, "u": [1, 2], "v": [3, 4], "l": {"p": [0, 1, 0]}, "r": {"p": [0, 0, 1]}},
                      "r": {"p": [0.5, 0.25, 0.25]}}}
            """
        try text.write(toFile: dir + "/a.json", atomically: true, encoding: .utf8)
        let canopy = try CanopyBinary()
        let toRDT = try canopy.run(["export", dir + "/a.json", dir + "/b.rdt"])
        #expect(toRDT.status == 0, "\(toRDT.stderr)")
        let back = try canopy.run(["export", dir + "/b.rdt", dir + "/c.json"])
        #expect(back.status == 0, "\(back.stderr)")
        let a = try TreeFile.load(dir + "/a.json"), c = try TreeFile.load(dir + "/c.json")
        #expect(a.nodes == c.nodes && a.flipMap == c.flipMap && a.leafCount == 3)

        // A truncated tree: one line naming the file, non-zero exit, no output written.
        let bytes = try Data(contentsOf: URL(fileURLWithPath: dir + "/b.rdt"))
        try bytes.prefix(300).write(to: URL(fileURLWithPath: dir + "/cut.rdt"))
        let bad = try canopy.run(["export", dir + "/cut.rdt", dir + "/d.json"])
        #expect(bad.status != 0)
        #expect(bad.stderr.contains(dir + "/cut.rdt") && bad.stderr.contains("truncated"))
        #expect(bad.stderr.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: "\n").count == 1)
        #expect(!FileManager.default.fileExists(atPath: dir + "/d.json"))
    }
}

@Suite struct InferCommandTests {
    @Test func infersLabelsFromADepthPNG() throws {
        let dir = NSTemporaryDirectory() + "canopy-infer-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        // A depth-2 tree: probe 5 pixel-metres right (2.5 px at 2 m); f < 100 mm -> label 1, else 2.
        var tree = DecisionTree(
            depth: 2, labels: [LabelInfo(name: "bg"), LabelInfo(name: "a"), LabelInfo(name: "b")],
            verticalFOV: 1)
        tree.nodes = [.split(uv: SIMD4(5, 0, 0, 0), thresholdMM: 100), .leaf([0, 1, 0]), .leaf([0, 0, 1])]
        try TreeFile.save(tree, to: dir + "/t.rdt")
        var depth = [UInt16](repeating: 0, count: 10 * 3)
        for y in 0..<3 { for x in 2...6 { depth[y * 10 + x] = 2000 } }
        try PNGImage(width: 10, height: 3, channels: 1, samples: .u16(depth)).write(dir + "/d.png")
        let r = try CanopyBinary().run(["infer", "--forest", dir + "/t.rdt", "--out", dir + "/o", "--probabilities", dir + "/d.png"])
        #expect(r.status == 0, "\(r.stderr)")
        let labels = try PNGImage.read(dir + "/o/d-labels.png", paletteIndices: true).grey8(path: "labels")
        // A palette PNG: expanded, its pixels show the labels' colours.
        let shown = try PNGImage.read(dir + "/o/d-labels.png")
        #expect(shown.channels == 3)
        if case .u8(let rgb) = shown.samples {
            let c = LabelPalette(names: ["bg", "a", "b"])[2]
            #expect(Array(rgb[15..<18]) == [c.r, c.g, c.b])
        }
        #expect(Array(labels[0..<10]) == [0, 0, 1, 1, 1, 2, 2, 0, 0, 0])
        let overlay = try PNGImage.read(dir + "/o/d-overlay.png")
        #expect(overlay.width == 10 && overlay.height == 3 && overlay.channels == 3)
        let probs = try Data(contentsOf: URL(fileURLWithPath: dir + "/o/d-probabilities.f32"))
        #expect(probs.count == 10 * 3 * 3 * 4)
        // The usage line's order (--forest once per tree, then the images), and a folder after them.
        let usage = try CanopyBinary().run([
            "infer", "--forest", dir + "/t.rdt", "--forest", dir + "/t.rdt", "--out", dir + "/u", dir + "/d.png",
        ])
        #expect(usage.status == 0, "\(usage.stderr)")
        let folder = try CanopyBinary().run(["infer", dir + "/d.png", "--out", dir + "/f", "--forest", dir])
        #expect(folder.status == 0, "\(folder.stderr)")
        #expect(try PNGImage.read(dir + "/f/d-labels.png", paletteIndices: true).grey8(path: "labels") == labels)
        // A 16-bit depth image is required: an 8-bit one is one line naming it.
        try PNGImage(width: 2, height: 2, channels: 1, samples: .u8([1, 2, 3, 4])).write(dir + "/eight.png")
        let bad = try CanopyBinary().run(["infer", "--forest", dir + "/t.rdt", "--out", dir + "/o", dir + "/eight.png"])
        #expect(bad.status != 0 && bad.stderr.contains(dir + "/eight.png") && bad.stderr.contains("16-bit grey"))
    }
}
