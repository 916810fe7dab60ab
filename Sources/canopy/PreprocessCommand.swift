import ArgumentParser
import Dataset
import Foundation
import ImagePipeline
import RDTCore

struct Preprocess: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Pre-process raw frames into LZ4 shards (one array task's share), or --merge them into a dataset.")

    @Argument(help: "Raw frames: depth/NAME.png, labels/NAME.png, meta/NAME.json.") var source: String
    @Argument(help: "Dataset folder to write (shards/, clips/, manifest.json).") var destination: String
    @Option(help: "glimpse label map from raw label values to training labels.") var labelMap: String
    @Option(help: "glimpse pre-processor config (properties and noise).") var config: String?
    @OptionGroup var split: TaskSplit
    @Flag(help: "Progress lines with an ETA on stderr even when it is not a terminal.") var progress = false
    @Option(help: "Frames per shard.") var framesPerShard = 256
    @Flag(help: "Validate every shard and write manifest.json (after all tasks finished).") var merge = false
    @Flag(help: "Rebuild clips done earlier with other settings (config, label map, shard size) instead of refusing.")
    var force = false

    func validate() throws { try checkFramesPerShard(framesPerShard) }

    func run() throws {
        let map = try LabelMap(contentsOf: labelMap)
        let settings = try config.map { try PreprocessConfig(contentsOf: $0) } ?? PreprocessConfig()
        var job = PreprocessJob(
            source: source, destination: destination,
            processor: FrameProcessor(labelMap: map, config: settings), labelMapJSON: map.json)
        job.framesPerShard = framesPerShard
        job.force = force
        job.checksConfigAtMerge = config != nil
        if merge {
            _ = try job.merge { print($0) }
            return
        }
        let (id, count) = try split.resolve()
        job.taskID = id
        job.taskCount = count
        let start = Date()
        let meter = ProgressMeter("preprocess task \(id)/\(count)", unit: "raw frames", force: progress)
        let results = try job.run(log: { print("task \(id)/\(count): \($0)") }, progress: meter.update)
        let frames = results.reduce(0) { $0 + $1.rawFrames }
        let seconds = Date().timeIntervalSince(start)
        print(
            String(
                format: "task %d/%d: %d clips, %d raw frames in %.2f s (%.0f frames/s)", id, count, results.count,
                frames, seconds, seconds > 0 ? Double(frames) / seconds : 0))
    }
}

/// Frames per shard, refused (not clamped) out of range.
func checkFramesPerShard(_ n: Int) throws {
    guard (1...1_000_000).contains(n) else { throw ValidationError("--frames-per-shard must be 1...1000000, got \(n)") }
}
