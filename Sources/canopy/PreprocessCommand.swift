import ArgumentParser
import Foundation
import Dataset
import ImagePipeline
import RDTCore

/// Array-task position: explicit options, else Slurm's array variables, else a single task.
struct TaskSplit: ParsableArguments {
    @Option(help: "This task's index, 0-based (default: SLURM_ARRAY_TASK_ID - SLURM_ARRAY_TASK_MIN).")
    var taskId: Int?
    @Option(help: "Number of tasks (default: SLURM_ARRAY_TASK_COUNT, else 1).")
    var taskCount: Int?

    func resolve() throws -> (id: Int, count: Int) {
        let env = ProcessInfo.processInfo.environment
        let count = try taskCount ?? env["SLURM_ARRAY_TASK_COUNT"].map { v in
            guard let n = Int(v) else { throw ValidationError("SLURM_ARRAY_TASK_COUNT=\(v) is not a number") }
            return n
        } ?? 1
        let id = try taskId ?? env["SLURM_ARRAY_TASK_ID"].map { v in
            guard let n = Int(v) else { throw ValidationError("SLURM_ARRAY_TASK_ID=\(v) is not a number") }
            return n - (env["SLURM_ARRAY_TASK_MIN"].flatMap(Int.init) ?? 0)
        } ?? 0
        guard count >= 1, id >= 0, id < count else {
            throw ValidationError("task id \(id) is not in 0..<\(count); check --task-id/--task-count or the array range")
        }
        return (id, count)
    }
}

struct Preprocess: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Pre-process raw frames into LZ4 shards (one array task's share), or --merge them into a dataset.")

    @Argument(help: "Raw frames: depth/NAME.png, labels/NAME.png, meta/NAME.json.") var source: String
    @Argument(help: "Dataset folder to write (shards/, clips/, manifest.json).") var destination: String
    @Option(help: "glimpse label map from raw label values to training labels.") var labelMap: String
    @Option(help: "glimpse pre-processor config (properties and noise).") var config: String?
    @OptionGroup var split: TaskSplit
    @Option(help: "Frames per shard.") var framesPerShard = 256
    @Flag(help: "Validate every shard and write manifest.json (after all tasks finished).") var merge = false

    func validate() throws { try checkFramesPerShard(framesPerShard) }

    func run() throws {
        let map = try LabelMap(contentsOf: labelMap)
        let settings = try config.map { try PreprocessConfig(contentsOf: $0) } ?? PreprocessConfig()
        var job = PreprocessJob(source: source, destination: destination,
                                processor: FrameProcessor(labelMap: map, config: settings), labelMapJSON: map.json)
        job.framesPerShard = framesPerShard
        if merge {
            _ = try job.merge { print($0) }
            return
        }
        let (id, count) = try split.resolve()
        job.taskID = id
        job.taskCount = count
        let start = Date()
        let results = try job.run { print("task \(id)/\(count): \($0)") }
        let frames = results.reduce(0) { $0 + $1.rawFrames }
        let seconds = Date().timeIntervalSince(start)
        print(String(format: "task %d/%d: %d clips, %d raw frames in %.2f s (%.0f frames/s)", id, count, results.count,
                     frames, seconds, seconds > 0 ? Double(frames) / seconds : 0))
    }
}

struct ImportGlimpse: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import-glimpse",
        abstract: "Turn a glimpse pre-processed directory (depth/*.exr, labels/*.png, meta.json, index.*) into a dataset.")

    @Argument(help: "glimpse pre-processed directory.") var source: String
    @Argument(help: "Dataset folder to write.") var destination: String
    @Option(help: "Frames per shard.") var framesPerShard = 256

    func validate() throws { try checkFramesPerShard(framesPerShard) }

    func run() throws {
        var job = GlimpseImport(source: source, destination: destination)
        job.framesPerShard = framesPerShard
        try job.run { print($0) }
    }
}

/// Frames per shard, refused (not clamped) out of range.
func checkFramesPerShard(_ n: Int) throws {
    guard (1...1_000_000).contains(n) else { throw ValidationError("--frames-per-shard must be 1...1000000, got \(n)") }
}
