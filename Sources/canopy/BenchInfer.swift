import ArgumentParser
import Foundation
import RDTCore

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
                Inference.probabilities(
                    compiled, depth: image.depth, width: 320, height: 240, threads: threads,
                    into: &probs)
            }
        }
        print("infer: \(trees) trees of depth \(depth), \(labels) labels, 320x240 frames with ~\(body) body pixels, \(threads) thread(s)")
        print(String(format: "inference: %.2f ms per frame (%d frames, %.3f s)", time * 1000 / Double(frames), frames, time))
    }
}
