import ArgumentParser
import Foundation
import RDTCore

struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Benchmarks that print numbers (use a release build).",
        subcommands: [BenchKernel.self, BenchInfer.self, BenchPreprocess.self, BenchTrain.self, BenchDeep.self, BenchRender.self])
}

func seconds(_ body: () throws -> Void) rethrows -> Double {
    let t0 = DispatchTime.now().uptimeNanoseconds
    try body()
    return Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
}

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

    func run() throws {
        var p = TrainingParameters()
        p.nPixels = pixels
        p.nUVs = candidates
        p.nThresholds = thresholds
        let camera = Camera(width: 320, height: 240, verticalFOVDegrees: 43.940769)
        let cands = Candidates(parameters: p, camera: camera, tree: 0)
        let data = LocalTrainingData(parameters: p, candidates: [cands], labelCount: labels,
                                     kernel: HistogramKernel(threads: threads, tile: tile))
        for i in 0..<frames {
            let f = SyntheticBody.frame(width: 320, height: 240, labels: labels, seed: 1, index: i)
            let c = BodyBox.crop(depth: f.depth, labels: f.labels, width: 320, height: 240)
            data.addFrame(depth: c.depth, labels: c.labels, width: c.width, height: c.height, originX: c.originX,
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
        print("kernel: \(candidates) candidates x \(cands.thresholds.count) thresholds x \(labels) labels, "
              + "\(n) pixels from \(frames) frames, \(threads) thread(s)")
        print(String(format: "fast kernel:      %.2f ns per (pixel, candidate)  (%.3f s)", fastNs, best))
        print(String(format: "reference kernel: %.2f ns per (pixel, candidate)  (%d pixels, %.3f s)", refNs, subset.count, refTime))
        print(String(format: "speed-up:         %.1fx", refNs / fastNs))
    }
}

struct BenchInfer: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "infer", abstract: "Inference ms per 320x240 frame with a forest of full-depth trees.")

    @Option(help: "Trees.") var trees = 3
    @Option(help: "Tree depth (every path reaches it).") var depth = 20
    @Option(help: "Labels.") var labels = 34
    @Option(help: "Frames to label.") var frames = 20
    @Option(help: "Threads (the target is for 1).") var threads = 1

    func run() throws {
        // Full trees with random splits from real candidates: the worst case, every path is depth - 1 steps.
        var p = TrainingParameters()
        p.nUVs = 2000
        p.maxDepth = depth
        let camera = Camera(width: 320, height: 240, verticalFOVDegrees: 43.940769)
        let names = (0..<labels).map { LabelInfo(name: "label \($0)") }
        var forest: [DecisionTree] = []
        for t in 0..<trees {
            let c = Candidates(parameters: p, camera: camera, tree: t)
            var rng = DeterministicRandom(7, UInt64(t))
            var tree = DecisionTree(depth: depth, labels: names, verticalFOV: camera.verticalFOV)
            let inner = (1 << (depth - 1)) - 1
            for i in 0..<tree.nodes.count {
                if i < inner {
                    tree.nodes[i] = .split(uv: c.uvs[rng.below(c.count)], thresholdMM: c.thresholds[rng.below(c.thresholds.count)])
                } else {
                    var probs = [Float](repeating: 0, count: labels)
                    probs[1 + rng.below(labels - 1)] = 1
                    tree.nodes[i] = .leaf(probs)
                }
            }
            forest.append(tree)
        }
        let compiled = CompiledForest(forest)
        let images = (0..<frames).map { SyntheticBody.frame(width: 320, height: 240, labels: labels, seed: 3, index: $0) }
        let body = images.reduce(0) { $0 + $1.labels.filter { $0 != 0 }.count } / max(1, frames)
        var probs: [Float] = []
        Inference.probabilities(compiled, depth: images[0].depth, width: 320, height: 240, threads: threads, into: &probs)
        let time = seconds {
            for image in images {
                Inference.probabilities(compiled, depth: image.depth, width: 320, height: 240, threads: threads,
                                        into: &probs)
            }
        }
        print("infer: \(trees) trees of depth \(depth), \(labels) labels, 320x240 frames with ~\(body) body pixels, \(threads) thread(s)")
        print(String(format: "inference: %.2f ms per frame (%d frames, %.3f s)", time * 1000 / Double(frames), frames, time))
    }
}
