import Foundation
import ImagePipeline
import RDTCore
import Testing

/// `canopy render` with mesh bodies, as a user runs it: CMU clips, the labelling chart, and what
/// happens without the assets.
@Suite struct MeshRenderTests {
    @Test func theCLIRendersMeshBodiesFromCMUClipsAndDrawsTheChart() throws {
        let canopy = try CanopyBinary()
        let dir = NSTemporaryDirectory() + "canopy-mesh-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let root = PipelineTests.root
        let r = try canopy.run([
            "render", "--bvh", root + "/data/mocap/cmu-mb2_08_01_walk.bvh", "--bvh", root + "/data/mocap/cmu-daz_07_01_walk.bvh",
            "--every", "60", "--config", root + "/reference/glimpse/render-configs/iphone-x-test-recording.json", "--out", dir + "/raw",
        ])
        #expect(r.status == 0, "\(r.stderr)")
        let names = try FileManager.default.contentsOfDirectory(atPath: dir + "/raw/meta").sorted()
        #expect(names.count == 11, "\(names)")
        for name in names {
            let meta = try JSON.parse(try #require(FileManager.default.contents(atPath: dir + "/raw/meta/" + name)).map { $0 })
            #expect(meta["body"]?["kind"]?.stringValue == "mesh" && meta["camera"]?["width"]?.intValue == 640)
            // The test recording wears trousers, drawn as tights, and nothing else.
            #expect(meta["body"]?["clothing"]?["skirt"]?.boolValue == false && meta["body"]?["clothing"]?["hair"]?.boolValue == false)
        }
        // add_background: the floor and the wall give depth to pixels labelled background.
        let depth = try PNGImage.read(dir + "/raw/depth/" + names[0].replacingOccurrences(of: ".json", with: ".png"))
        guard case .u16(let mm) = depth.samples else { throw CocoaError(.fileReadCorruptFile) }
        let lit = mm.filter { $0 != 0 }.count
        #expect(lit > mm.count * 9 / 10, "\(lit) of \(mm.count) pixels have depth")
        #expect(FileManager.default.fileExists(atPath: dir + "/raw/contact-sheet-0.png"))
        let chart = try canopy.run(["render", "--chart", dir + "/chart.png"])
        #expect(chart.status == 0 && FileManager.default.fileExists(atPath: dir + "/chart.png"), "\(chart.stderr)")
    }

    @Test func withoutTheAssetsRenderSaysToRunSetupInOneLine() throws {
        let canopy = try CanopyBinary()
        let r = try canopy.run(
            ["render", "--out", NSTemporaryDirectory() + "canopy-none-" + UUID().uuidString],
            environment: ["CANOPY_ASSETS": "/nonexistent-canopy-assets"])
        let lines = r.stderr.split(separator: "\n").filter { !$0.isEmpty }
        #expect(r.status != 0 && lines.count == 1 && r.stderr.contains("scripts/setup"), "\(r.stderr)")
        let capsules = try canopy.run(
            [
                "render", "--body", "capsules", "--built-in-frames", "2", "--out",
                NSTemporaryDirectory() + "canopy-caps-" + UUID().uuidString,
            ],
            environment: ["CANOPY_ASSETS": "/nonexistent-canopy-assets"])
        #expect(capsules.status == 0, "capsules need no assets: \(capsules.stderr)")
    }
}
