import ArgumentParser
import Dataset
import Foundation
import ImagePipeline

struct Render: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Render labelled depth frames from BVH motion capture, or the built-in motion source (one array task's share).")

    @Option(help: "BVH file or folder of them (repeatable; none: the built-in walk and reach clips).") var bvh: [String] = []
    @Option(help: "JSON alias map from canonical joints to this skeleton's joint names.") var jointMap: String?
    @Option(help: "glimpse render config (camera size, fov, randomized position).") var config: String?
    @Option(help: "Output folder (depth/, labels/, meta/, frames.json).") var out: String?
    @Option(help: "Instead of rendering, draw the mesh body's labelling scheme (the labelled T-pose: front, side, back) to this PNG.")
    var chart: String?
    @Option(help: "Bodies: mesh (MakeHuman, skinned; assets from scripts/setup) or capsules (fast, for tests).") var body: BodyKind = .mesh
    @Option(help: "Render every Nth frame of each clip.") var every = 1
    @Option(help: "Render at most this many frames in all.") var maxFrames: Int?
    @Option(help: "Frames per built-in clip.") var builtInFrames = 300
    @Option(help: "Seed for camera placement, body shape and the built-in motion.") var seed: UInt64 = 0
    @OptionGroup var split: TaskSplit
    @Flag(help: "Progress lines with an ETA on stderr even when it is not a terminal.") var progress = false

    func validate() throws {
        guard out != nil || chart != nil else {
            throw ValidationError("give --out DIR to render frames (or --chart FILE.png for the labelling scheme)")
        }
        if let chart, !chart.hasSuffix(".png") { throw ValidationError("--chart \(chart): the picture is a PNG; end the name in .png") }
        guard every >= 1 else { throw ValidationError("--every must be >= 1 (1 renders every frame), got \(every)") }
        guard (1...1_000_000).contains(builtInFrames) else {
            throw ValidationError("--built-in-frames must be 1...1000000, got \(builtInFrames)")
        }
        if let maxFrames, maxFrames < 1 { throw ValidationError("--max-frames must be >= 1, got \(maxFrames)") }
    }

    func run() throws {
        if let chart {
            guard case .mesh(let model) = try BodyKind.mesh.load() else { return }
            try BodyChart.write(model, to: chart)
            print("wrote \(chart): the labelled T-pose from the front, side and back")
            return
        }
        guard let out else { return }
        let settings = try config.map { try RenderConfig(contentsOf: $0) } ?? RenderConfig()
        var job = try RenderJob(bvh: bvh, jointMap: jointMap, config: settings, output: out)
        job.every = every
        job.maxFrames = maxFrames
        job.builtInFrames = builtInFrames
        job.seed = seed
        job.setBody(try body.load())
        (job.taskID, job.taskCount) = try split.resolve()
        let start = Date()
        let meter = ProgressMeter("render", unit: "frames", force: progress)
        let (rendered, _) = try job.run(log: { print($0) }, progress: meter.update)
        let s = Date().timeIntervalSince(start)
        print(String(format: "%d frames in %.2f s (%.0f frames/s)", rendered, s, s > 0 ? Double(rendered) / s : 0))
    }
}
