import ArgumentParser
import Foundation
import RDTCore

struct BenchKernel: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kernel",
        abstract: "Histogram kernel vs glimpse's per-threshold reference, ns per (pixel, candidate).")

    @Option(help: "Frames (320x240 synthetic bodies).") var frames = 20
    @Option(help: "Pixels sampled per frame for the fast kernel.") var pixels = 2000
    @Option(help: "Pixels in total for the (slow) reference.") var referencePixels = 1000
    @Option(help: "Candidates.") var candidates = 2000
    @Option(help: "Thresholds.") var thresholds = 49
    @Option(help: "Labels.") var labels = 32
    @Option(help: "Threads for the fast kernel (the targets are for 1).") var threads = 1
    @Option(help: "Repetitions of the fast kernel (best time is reported).") var repeats = 3
    @Option(help: "Pixels per kernel tile.") var tile = HistogramKernel().tile
    @Option(help: "Bytes of counters per pass over the pixels (candidates are taken in blocks this size).")
    var blockBytes = HistogramKernel().blockBytes

    func validate() throws {
        if tile < 16 { throw ValidationError("--tile must be >= 16 pixels, got \(tile)") }
        if blockBytes < 1 { throw ValidationError("--block-bytes must be >= 1, got \(blockBytes)") }
    }

    func run() throws {
        var p = TrainingParameters()
        p.nPixels = pixels
        p.nUVs = candidates
        p.nThresholds = thresholds
        let camera = Camera(width: 320, height: 240, verticalFOVDegrees: 43.940769)
        let cands = Candidates(parameters: p, camera: camera, tree: 0)
        let data = LocalTrainingData(
            parameters: p, candidates: [cands], labelCount: labels,
            kernel: HistogramKernel(threads: threads, tile: tile, blockBytes: blockBytes))
        for i in 0..<frames {
            let f = SyntheticBody.frame(width: 320, height: 240, labels: labels, seed: 1, index: i)
            let c = BodyBox.crop(depth: f.depth, labels: f.labels, width: 320, height: 240)
            data.addFrame(
                depth: c.depth, labels: c.labels, width: c.width, height: c.height, originX: c.originX,
                originY: c.originY, uses: [(tree: 0, position: i)])
        }
        data.finishLoading()
        let n = data.trees[0].samples.count
        var best = Double.infinity
        for _ in 0..<repeats {
            best = min(best, seconds { _ = data.computeCounts(tree: 0, ranges: [0..<n]) })
        }
        let fastNs = best * 1e9 / Double(n * candidates)
        // The reference on a subset of the same pixels (it is ~50x slower).
        let subset = Array(data.trees[0].samples.prefix(referencePixels))
        let refTime = seconds {
            _ = ReferenceKernel.leftRight(samples: subset, frames: data.frames, candidates: cands, labels: labels)
        }
        let refNs = refTime * 1e9 / Double(subset.count * candidates)
        print(
            "kernel: \(candidates) candidates x \(cands.thresholds.count) thresholds x \(labels) labels, "
                + "\(n) pixels from \(frames) frames, \(threads) thread(s)")
        print(String(format: "fast kernel:      %.2f ns per (pixel, candidate)  (%.3f s)", fastNs, best))
        print(String(format: "reference kernel: %.2f ns per (pixel, candidate)  (%d pixels, %.3f s)", refNs, subset.count, refTime))
        print(String(format: "speed-up:         %.1fx", refNs / fastNs))
    }
}
