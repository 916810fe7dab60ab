import ArgumentParser
import Dataset
import Foundation
import ImagePipeline
import RDTCore

struct TrainJoints: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train-joints",
        abstract: "Fit per-joint inference parameters (bandwidth, threshold, offset) on rendered frames with true joints.")

    @Option(help: "A tree file of the forest (.json or .rdt), once per tree, or the forest's folder.") var forest: [String]
    @Option(help: "glimpse joint map for the forest's labels (reference/glimpse/joint-maps).") var jointMap: String
    @Option(help: "Rendered frames (canopy render's output: depth/ and meta/ with true joints).") var raw: String
    @Option(help: "Frames to fit on (evenly spread); as many others, interleaved with them, measure the result.")
    var maxFrames = 40
    @Option(help: "Where the parameters go.") var out = "joint-params.json"
    @Flag(help: "Average with the mirrored image (flip test-time augmentation).") var flipTta = false

    func validate() throws {
        guard (1...100_000).contains(maxFrames) else { throw ValidationError("--max-frames must be 1...100000, got \(maxFrames)") }
    }

    static let thresholds: [Float] = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7]
    static let bandwidths: [Float] = [0.03, 0.05, 0.08, 0.12, 0.18, 0.25]
    static let offsets: [Float] = [0, 0.01, 0.02, 0.03, 0.04, 0.05, 0.06, 0.08, 0.1, 0.12, 0.15]
    /// A joint with no voting pixel counts as this far off (m).
    static let missPenalty: Float = 1

    func run() throws {
        let trees = try TreeFile.loadForest(forest)
        let compiled = CompiledForest(trees)
        let map = try JointMap(contentsOf: jointMap, labelCount: compiled.labelCount)
        let truth: [BodyPoint] = try map.joints.map { j in
            guard let p = BodyPoint(glimpseJoint: j.name) else {
                throw CommandFailure(
                    "\(jointMap): joint \(j.name) has no rendered ground truth (known: head.tail, neck_01.head, upperarm_l.head, ...)")
            }
            return p
        }
        // Interleaved: even positions fit the parameters, odd ones are held out to measure them.
        let listed = try TruthFrame.list(raw: raw, maxFrames: 2 * maxFrames)
        let names = listed.count < 2 ? listed : stride(from: 0, to: listed.count, by: 2).map { listed[$0] }
        let heldOut = listed.count < 2 ? listed : stride(from: 1, to: listed.count, by: 2).map { listed[$0] }
        let J = map.joints.count, T = Self.thresholds.count, B = Self.bandwidths.count, O = Self.offsets.count
        // errors[j][t][b][o]: summed 3D error over frames.
        var errors = [Float](repeating: 0, count: J * T * B * O)
        var probs: [Float] = []
        let start = Date()
        for (k, name) in names.enumerated() {
            let frame = try TruthFrame(raw: raw, name: name)
            Inference.probabilities(
                compiled, depth: frame.depth, width: frame.camera.width, height: frame.camera.height,
                flip: flipTta, into: &probs)
            probs.withUnsafeBufferPointer { p in
                frame.depth.withUnsafeBufferPointer { d in
                    // Joints are independent: fit them on all cores.
                    let lock = NSLock()
                    DispatchQueue.concurrentPerform(iterations: J) { j in
                        guard let gt = frame.joints[truth[j]] else { return }
                        var local = [Float](repeating: 0, count: T * B * O)
                        for t in 0..<T {
                            let votes = JointInference.votes(
                                probabilities: p, labelCount: compiled.labelCount, depth: d, camera: frame.camera,
                                labels: map.joints[j].labels, threshold: Self.thresholds[t],
                                backgroundDepthMM: compiled.backgroundDepthMM)
                            for b in 0..<B {
                                let mode = JointInference.locate(votes, bandwidth: Self.bandwidths[b])
                                for o in 0..<O {
                                    var e = Self.missPenalty
                                    if let m = mode {
                                        let diff = m + SIMD3(0, 0, Self.offsets[o]) - gt
                                        e = (diff * diff).sum().squareRoot()
                                    }
                                    local[(t * B + b) * O + o] += e
                                }
                            }
                        }
                        lock.lock()
                        for i in 0..<local.count { errors[j * T * B * O + i] += local[i] }
                        lock.unlock()
                    }
                }
            }
            if (k + 1) % 10 == 0 || k + 1 == names.count {
                print(String(format: "%d/%d frames (%.1f s)", k + 1, names.count, Date().timeIntervalSince(start)))
                fflush(stdout)
            }
        }
        var params: [JointParameters] = []
        for j in 0..<J {
            let slice = errors[(j * T * B * O)..<((j + 1) * T * B * O)]
            let best = slice.indices.min { (slice[$0], $0) < (slice[$1], $1) }! - j * T * B * O
            params.append(
                JointParameters(
                    bandwidth: Self.bandwidths[(best / O) % B], threshold: Self.thresholds[best / (B * O)],
                    offset: Self.offsets[best % O]))
        }
        // Measure the chosen parameters on the held-out frames, in full and fast mode (each frame
        // read and labelled once).
        var errorsByMode = [[[Float]]](repeating: [[Float]](repeating: [], count: J), count: 2)  // [fast][joint]
        for name in heldOut {
            let frame = try TruthFrame(raw: raw, name: name)
            Inference.probabilities(
                compiled, depth: frame.depth, width: frame.camera.width, height: frame.camera.height,
                flip: flipTta, into: &probs)
            for (mode, fast) in [false, true].enumerated() {
                let found = JointInference.joints(
                    probabilities: probs, labelCount: compiled.labelCount, depth: frame.depth,
                    camera: frame.camera, map: map, parameters: params,
                    backgroundDepthMM: compiled.backgroundDepthMM, fast: fast)
                for j in 0..<J {
                    guard let gt = frame.joints[truth[j]] else { continue }
                    errorsByMode[mode][j].append(
                        found[j].map {
                            let d = $0 - gt
                            return (d * d).sum().squareRoot()
                        } ?? Self.missPenalty)
                }
            }
        }
        func stats(_ e: [Float]) -> (mean: Double, within: Double) {
            e.isEmpty ? (0, 0) : (Double(e.reduce(0, +)) / Double(e.count), Double(e.filter { $0 <= 0.1 }.count) / Double(e.count))
        }
        print("joint                 bandwidth threshold offset  mean error  within 0.1 m")
        for j in 0..<J {
            let (m, w) = stats(errorsByMode[0][j])
            print(
                map.joints[j].name.padding(toLength: 20, withPad: " ", startingAt: 0)
                    + String(
                        format: "  %8.2f  %8.1f  %5.2f  %8.3f m  %10.0f%%", params[j].bandwidth, params[j].threshold,
                        params[j].offset, m, w * 100))
        }
        var report: [(String, JSON)] = []
        var summary: [String: (mean: Double, within: Double)] = [:]
        for (mode, name) in [(0, "mean-shift"), (1, "fast")] {
            let s = stats(errorsByMode[mode].flatMap { $0 })
            summary[name] = s
            report.append(
                (mode == 0 ? "mean_shift" : "fast", .object([("mean_error_m", .double(s.mean)), ("within_0_1m", .double(s.within))])))
        }
        for (mode, s) in summary.sorted(by: { $0.key > $1.key }) {
            print(
                String(
                    format: "%@: mean error %.3f m, %.1f%% of joints within 0.1 m (%d held-out frames; fitted on %d)", mode,
                    s.mean, s.within * 100, heldOut.count, names.count))
        }
        let json = JointParameters.json(
            params, map: map,
            extra: [
                ("frames_fitted", .int(names.count)),
                ("frames_held_out", .int(heldOut.count)),
            ] + report)
        try AtomicFile.write(Array(json.serialized().utf8), to: out)
        print("parameters written to \(out)")
    }
}
