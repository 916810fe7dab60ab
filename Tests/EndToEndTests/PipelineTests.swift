import Dataset
import Drawing
import Foundation
import ImagePipeline
import RDTCore
import Testing

@Suite(.timeLimit(.minutes(3))) struct PipelineTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path

    /// Raw frames in render label values, as the renderer writes them: 3 clips of 3 frames.
    func writeRaw(_ dir: String) throws {
        let map = try LabelMap(contentsOf: Self.root + "/reference/glimpse/label-maps/2018-11-render-to-2018-08-rdt-map.json")
        try SyntheticRawFrames.write(to: dir, frames: 9, width: 80, height: 60, map: map, clips: 3, seed: 4)
    }

    @Test func preprocessAsArrayTasksThenMergeAndIndex() throws {
        let dir = NSTemporaryDirectory() + "canopy-pipeline-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try writeRaw(dir + "/raw")
        let canopy = try CanopyBinary()
        let map = Self.root + "/reference/glimpse/label-maps/2018-11-render-to-2018-08-rdt-map.json"
        let config = Self.root + "/reference/glimpse/pre-processor-configs/iphone-x-config.json"
        // Merging before the tasks ran says what to do.
        let early = try canopy.run(["preprocess", dir + "/raw", dir + "/data", "--label-map", map, "--merge"])
        #expect(early.status != 0 && early.stderr.contains("run the remaining array tasks"))
        // Two array tasks, told their place the way Slurm tells them (ids 1 and 2 of an array 1-2).
        for id in ["1", "2"] {
            let r = try canopy.run(
                ["preprocess", dir + "/raw", dir + "/data", "--label-map", map, "--config", config],
                environment: [
                    "SLURM_ARRAY_TASK_ID": id, "SLURM_ARRAY_TASK_MIN": "1",
                    "SLURM_ARRAY_TASK_COUNT": "2",
                ])
            #expect(r.status == 0, "\(r.stderr)")
        }
        let merge = try canopy.run(["preprocess", dir + "/raw", dir + "/data", "--label-map", map, "--merge"])
        #expect(merge.status == 0 && merge.stdout.contains("18 frames"), "\(merge.stdout) \(merge.stderr)")
        let index = try canopy.run(["index", dir + "/data", "-i", "test", "4", "-w", "--no-flipped"])
        #expect(index.status == 0, "\(index.stderr)")
        let train = try canopy.run(["index", dir + "/data", "-e", "test", "-i", "tree0", "30", "-i", "tree1", "30"])
        #expect(train.status == 0, "\(train.stderr)")
        let manifest = try DatasetManifest(root: dir + "/data")
        #expect(Set(try manifest.index("tree0")).isDisjoint(with: try manifest.index("test")))
        // Every shard the manifest names reads back intact.
        for shard in Set(manifest.frames.map(\.shard)) { try ShardReader(path: dir + "/data/shards/" + shard).validate() }
        // The frames as training sees them: 6 frames, 3 to a row, each pair depth | labels.
        let show = try canopy.run([
            "show", dir + "/data", "--index", "tree0", "--frames", "6", "--columns", "3", "--out", dir + "/show.png",
        ])
        #expect(show.status == 0, "\(show.stderr)")
        let sheet = try PNGImage.read(dir + "/show.png")
        let frame = try ShardReader(path: dir + "/data/shards/" + manifest.frames[0].shard).frame(0)
        #expect(sheet.width >= 3 * 2 * frame.width && sheet.height >= 2 * frame.height && sheet.channels == 3)
        // The labels are drawn in the palette's colours for the map's names.
        let palette = LabelPalette(names: manifest.labelMap.names)
        if case .u8(let rgb) = sheet.samples, let part = frame.labels.first(where: { $0 != 0 }) {
            let c = palette[Int(part)]
            let found = stride(from: 0, to: rgb.count, by: 3).contains { rgb[$0] == c.r && rgb[$0 + 1] == c.g && rgb[$0 + 2] == c.b }
            #expect(found, "label \(part) (\(palette.names[Int(part)])) is not drawn in its colour")
        }
        // A wrong label map is one line naming the label image.
        let wrong = try canopy.run([
            "preprocess", dir + "/raw", dir + "/other", "--label-map",
            Self.root + "/reference/glimpse/label-maps/2018-06-nop-map.json",
        ])
        #expect(wrong.status != 0 && wrong.stderr.contains("labels/synthetic0-00000.png") && wrong.stderr.contains("not in the label map"))
    }
}
