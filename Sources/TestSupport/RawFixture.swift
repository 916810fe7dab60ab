import Dataset
import Foundation
import ImagePipeline
import RDTCore

/// Raw frames and pre-processing jobs for tests: small synthetic bodies in render label values.
public enum RawFixture {
    public static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path
    public static let renderMap = root + "/reference/glimpse/label-maps/2018-11-render-to-2018-08-rdt-map.json"

    /// Raw frames in render label values: `clips` clips of `frames` synthetic bodies, 64x48.
    public static func write(
        to dir: String, clips: Int, frames: Int, width: Int = 64, height: Int = 48,
        tiny: Set<String> = []
    ) throws {
        let map = try LabelMap(contentsOf: renderMap)
        for c in 0..<clips {
            for f in 0..<frames {
                let name = String(format: "clip%02d-%04d", c, f)
                var body = SyntheticBody.frame(width: width, height: height, labels: map.count, seed: UInt64(c), index: f)
                if tiny.contains(name) {
                    for i in body.labels.indices where i % width > 3 || i / width > 3 {
                        body.labels[i] = 0
                        body.depth[i] = 32000
                    }
                }
                try SyntheticRawFrames.writeFrame(
                    to: dir, name: name, clip: "clip\(c)", frame: f, depth: body.depth, labels: body.labels, width: width,
                    height: height, map: map, verticalFOV: 43.94)
            }
        }
    }

    public static func job(
        _ src: String, _ dest: String, config: PreprocessConfig = PreprocessConfig(), task: Int = 0,
        of count: Int = 1
    ) throws -> PreprocessJob {
        let map = try LabelMap(contentsOf: renderMap)
        var job = PreprocessJob(
            source: src, destination: dest, processor: FrameProcessor(labelMap: map, config: config),
            labelMapJSON: map.json)
        job.taskID = task
        job.taskCount = count
        job.framesPerShard = 3
        return job
    }

    public static func files(_ dir: String) throws -> [String: Data] {
        var out: [String: Data] = [:]
        for sub in ["shards", "clips"] {
            for f in try FileManager.default.contentsOfDirectory(atPath: dir + "/" + sub) {
                out[sub + "/" + f] = try Data(contentsOf: URL(fileURLWithPath: dir + "/" + sub + "/" + f))
            }
        }
        return out
    }

    /// Raw frames in DIR/raw pre-processed and merged into the dataset DIR/data.
    public static func dataset(in dir: String, clips: Int, frames: Int) throws -> DatasetManifest {
        try write(to: dir + "/raw", clips: clips, frames: frames)
        let job = try job(dir + "/raw", dir + "/data")
        try job.run()
        _ = try job.merge()
        return try DatasetManifest(root: dir + "/data")
    }
}
