import ArgumentParser
import Dataset
import Foundation
import ImagePipeline
import RDTCore

struct BenchPreprocess: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "preprocess", abstract: "Pre-processing frames/s at 320x240 with all three noise ops, one task.")

    @Option(help: "Raw frames to generate and pre-process.") var frames = 200
    @Option(help: "glimpse label map (render values -> training labels).")
    var labelMap = "reference/glimpse/label-maps/2018-11-render-to-2018-08-rdt-map.json"
    @Option(help: "glimpse pre-processor config.") var config = "reference/glimpse/pre-processor-configs/iphone-x-config.json"

    func run() throws {
        let map = try LabelMap(contentsOf: labelMap)
        let settings = try PreprocessConfig(contentsOf: config)
        let dir = NSTemporaryDirectory() + "canopy-bench-preprocess-\(getpid())"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try SyntheticRawFrames.write(to: dir + "/raw", frames: frames, width: 320, height: 240, map: map, seed: 5)
        var job = PreprocessJob(
            source: dir + "/raw", destination: dir + "/out",
            processor: FrameProcessor(labelMap: map, config: settings), labelMapJSON: map.json)
        job.framesPerShard = 256
        let time = seconds { _ = try? job.run() }
        let written = try FileManager.default.contentsOfDirectory(atPath: dir + "/out/shards").count
        let out = settings.noFlip ? frames : 2 * frames
        print(
            "preprocess: \(frames) raw 320x240 frames -> \(out) shard frames (\(written) shards), noise: "
                + settings.noise.map { "\($0)" }.joined(separator: ", "))
        print(String(format: "preprocess: %.0f raw frames/s (%.3f s, 1 task, 1 thread)", Double(frames) / time, time))
    }
}
