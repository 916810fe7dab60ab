import Foundation
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
