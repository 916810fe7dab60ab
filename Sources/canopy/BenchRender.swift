import ArgumentParser
import Dataset
import Foundation
import ImagePipeline

struct BenchRender: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "render", abstract: "Rendering frames/s at 320x240 (depth and label PNGs and meta written), one task.")

    @Option(help: "Frames (built-in walk and reach clips).") var frames = 300
    @Option(help: "BVH file or folder to render instead of the built-in motion.") var bvh: [String] = []
    @Option(help: "Bodies: mesh or capsules.") var body: BodyKind = .mesh

    func run() throws {
        let dir = NSTemporaryDirectory() + "canopy-bench-render-\(getpid())"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var job = try RenderJob(bvh: bvh, jointMap: nil, config: RenderConfig(), output: dir)
        job.builtInFrames = max(1, frames / 2)
        job.maxFrames = frames
        let t0 = Date()
        job.setBody(try body.load())
        let loaded = Date().timeIntervalSince(t0)
        let t1 = Date()
        let (n, _) = try job.run()
        let s = Date().timeIntervalSince(t1)
        // The same frames again, in memory only: what drawing costs without the PNG files.
        let items = job.frameList()
        let t2 = Date()
        for item in items { _ = try job.frame(item) }
        let drawn = Date().timeIntervalSince(t2)
        print(
            String(
                format:
                    "render --body %@: %d frames 320x240 in %.2f s: %.0f frames/s (1 task, 1 thread, PNGs written; assets loaded in %.2f s); drawing alone %.0f frames/s",
                body.rawValue, n, s, Double(n) / s, loaded, Double(items.count) / drawn))
    }
}
