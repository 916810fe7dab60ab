import Foundation

/// Problems with joint maps and joint parameter files; one line each, naming the file.
public enum JointError: Error, CustomStringConvertible, Equatable {
    case invalid(path: String, problem: String)

    public var description: String {
        switch self {
        case let .invalid(path, problem): return "\(path): \(problem)"
        }
    }
}

/// Joints from per-pixel label probabilities: each pixel votes for a joint with the summed
/// probability of the joint's labels (where at least the threshold) times its squared depth
/// (so near and far bodies count alike), at its back-projected 3D point; mean-shift with a
/// Gaussian kernel finds the densest mode, pushed `offset` metres deeper. The fast mode takes
/// the weighted mean instead of mean-shift.
public enum JointInference {
    /// At most this many votes per joint (a deterministic even subsample), so cost stays bounded.
    public static let maxVotes = 600

    /// The votes for one joint.
    public static func votes(
        probabilities: UnsafeBufferPointer<Float>, labelCount: Int, depth: UnsafeBufferPointer<UInt16>,
        camera: Camera, labels: [Int], threshold: Float, backgroundDepthMM: UInt16
    ) -> JointVotes {
        var all: [(Int, Float)] = []
        let n = camera.width * camera.height
        for i in 0..<n {
            let d = depth[i]
            guard d > 0, d < backgroundDepthMM else { continue }
            var p: Float = 0
            for l in labels { p += probabilities[i * labelCount + l] }
            if p >= threshold { all.append((i, p)) }
        }
        var v = JointVotes()
        guard !all.isEmpty else { return v }
        let step = max(1, (all.count + maxVotes - 1) / maxVotes)
        for k in stride(from: 0, to: all.count, by: step) {
            let (i, p) = all[k]
            let z = Double(depth[i]) / 1000
            let q = camera.unproject(x: Double(i % camera.width) + 0.5, y: Double(i / camera.width) + 0.5, depth: z)
            v.points.append(SIMD3(Float(q.x), Float(q.y), Float(q.z)))
            v.weights.append(p * Float(z * z))
        }
        return v
    }

    /// The densest mode of the votes (mean-shift from up to 8 seeds), or their weighted mean in
    /// fast mode; nil without votes. Deterministic.
    public static func locate(_ v: JointVotes, bandwidth: Float, fast: Bool = false) -> SIMD3<Float>? {
        guard !v.isEmpty else { return nil }
        if fast {
            var sum = SIMD3<Float>(repeating: 0), total: Float = 0
            for (p, w) in zip(v.points, v.weights) {
                sum += p * w
                total += w
            }
            return total > 0 ? sum / total : nil
        }
        let inv = -1 / (2 * bandwidth * bandwidth)
        func density(_ x: SIMD3<Float>) -> Float {
            var d: Float = 0
            for (p, w) in zip(v.points, v.weights) {
                let e = p - x
                d += w * exp((e * e).sum() * inv)
            }
            return d
        }
        // Seeds: the heaviest votes, spread out.
        let order = v.weights.indices.sorted { (v.weights[$0], $1) > (v.weights[$1], $0) }
        var seeds: [SIMD3<Float>] = []
        for i in order where seeds.count < 8 {
            let p = v.points[i]
            if seeds.allSatisfy({ s in
                let e = s - p
                return (e * e).sum() > bandwidth * bandwidth
            }) {
                seeds.append(p)
            }
        }
        var best: (SIMD3<Float>, Float)?
        for seed in seeds {
            var x = seed
            for _ in 0..<50 {
                var sum = SIMD3<Float>(repeating: 0), total: Float = 0
                for (p, w) in zip(v.points, v.weights) {
                    let e = p - x
                    let k = w * exp((e * e).sum() * inv)
                    sum += p * k
                    total += k
                }
                guard total > 0 else { break }
                let next = sum / total
                let moved = next - x
                x = next
                if (moved * moved).sum() < 1e-8 { break }
            }
            let d = density(x)
            if best == nil || d > best!.1 { best = (x, d) }
        }
        return best?.0
    }

    /// Every joint of `map` for one frame (nil where no pixel voted).
    public static func joints(
        probabilities: [Float], labelCount: Int, depth: [UInt16], camera: Camera, map: JointMap,
        parameters: [JointParameters], backgroundDepthMM: UInt16, fast: Bool = false
    ) -> [SIMD3<Float>?] {
        probabilities.withUnsafeBufferPointer { probs in
            depth.withUnsafeBufferPointer { d in
                zip(map.joints, parameters).map { joint, p in
                    let v = votes(
                        probabilities: probs, labelCount: labelCount, depth: d, camera: camera, labels: joint.labels,
                        threshold: p.threshold, backgroundDepthMM: backgroundDepthMM)
                    return locate(v, bandwidth: p.bandwidth, fast: fast).map { $0 + SIMD3(0, 0, p.offset) }
                }
            }
        }
    }
}
