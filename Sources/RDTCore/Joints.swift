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

/// A glimpse joint map (reference/glimpse/joint-maps): for each joint, the labels whose pixels
/// locate it and the joints it connects to (the skeleton drawn on pictures).
public struct JointMap: Equatable, Sendable {
    public struct Joint: Equatable, Sendable {
        public var name: String
        public var labels: [Int]
        public var connections: [String]

        public init(name: String, labels: [Int], connections: [String] = []) {
            self.name = name
            self.labels = labels
            self.connections = connections
        }
    }

    public var joints: [Joint]

    public init(joints: [Joint]) { self.joints = joints }

    /// Reads a joint map, checking labels against the forest's `labelCount` where given.
    public init(contentsOf path: String, labelCount: Int? = nil) throws {
        func bad(_ p: String) -> JointError { .invalid(path: path, problem: p) }
        guard let data = FileManager.default.contents(atPath: path) else { throw bad("cannot read the joint map") }
        guard let list = (try? JSON.parse([UInt8](data)))?.arrayValue else { throw bad("not a glimpse joint map (a JSON array of joints)") }
        joints = try list.enumerated().map { i, entry in
            guard let name = entry["joint"]?.stringValue, let labels = entry["labels"]?.arrayValue?.compactMap(\.intValue), !labels.isEmpty
            else { throw bad("entry \(i) needs \"joint\" and a non-empty \"labels\" list") }
            if let labelCount, let l = labels.first(where: { $0 < 0 || $0 >= labelCount }) {
                throw bad("joint \(name) uses label \(l), but the forest has \(labelCount) labels; is this the joint map for this label map?")
            }
            return Joint(name: name, labels: labels, connections: entry["connections"]?.arrayValue?.compactMap(\.stringValue) ?? [])
        }
        let names = Set(joints.map(\.name))
        for j in joints { for c in j.connections where !names.contains(c) { throw bad("joint \(j.name) connects to unknown joint \(c)") } }
    }

    /// Index pairs of connected joints.
    public var bones: [(Int, Int)] {
        let index = Dictionary(joints.enumerated().map { ($1.name, $0) }, uniquingKeysWith: { a, _ in a })
        return joints.enumerated().flatMap { i, j in j.connections.compactMap { index[$0].map { (i, $0) } } }
    }
}

/// Per-joint inference parameters (Shotton et al. §4): the mean-shift bandwidth (m), the
/// probability a pixel needs to vote, and how far the joint lies behind the surface (m).
public struct JointParameters: Equatable, Sendable {
    public var bandwidth: Float
    public var threshold: Float
    public var offset: Float

    public init(bandwidth: Float = 0.08, threshold: Float = 0.3, offset: Float = 0.03) {
        self.bandwidth = bandwidth
        self.threshold = threshold
        self.offset = offset
    }

    /// A parameter file: `{"params": [{"joint", "bandwidth", "threshold", "offset"}, ...]}`.
    public static func json(_ params: [JointParameters], map: JointMap, extra: [(String, JSON)] = []) -> JSON {
        .object([("n_joints", .int(params.count)), ("params", .array(zip(map.joints, params).map { j, p in
            .object([("joint", .string(j.name)), ("bandwidth", .double(Double(p.bandwidth))),
                     ("threshold", .double(Double(p.threshold))), ("offset", .double(Double(p.offset)))])
        }))] + extra)
    }

    /// Reads a parameter file for `map`'s joints (by name).
    public static func load(_ path: String, map: JointMap) throws -> [JointParameters] {
        func bad(_ p: String) -> JointError { .invalid(path: path, problem: p) }
        guard let data = FileManager.default.contents(atPath: path), let json = try? JSON.parse([UInt8](data)),
              let list = json["params"]?.arrayValue else { throw bad("not a joint parameter file (made by canopy train-joints)") }
        var byName: [String: JointParameters] = [:]
        for e in list {
            guard let name = e["joint"]?.stringValue, let b = e["bandwidth"]?.doubleValue, let t = e["threshold"]?.doubleValue,
                  let o = e["offset"]?.doubleValue, b > 0 else { throw bad("an entry lacks joint, bandwidth > 0, threshold or offset") }
            byName[name] = JointParameters(bandwidth: Float(b), threshold: Float(t), offset: Float(o))
        }
        return try map.joints.map { j in
            guard let p = byName[j.name] else { throw bad("no parameters for joint \(j.name)") }
            return p
        }
    }
}

/// One joint's voting pixels: camera-space points (m) and weights.
public struct JointVotes: Sendable {
    public var points: [SIMD3<Float>] = []
    public var weights: [Float] = []
    public var isEmpty: Bool { points.isEmpty }
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
    public static func votes(probabilities: UnsafeBufferPointer<Float>, labelCount: Int, depth: UnsafeBufferPointer<UInt16>,
                             camera: Camera, labels: [Int], threshold: Float, backgroundDepthMM: UInt16) -> JointVotes {
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
            for (p, w) in zip(v.points, v.weights) { sum += p * w; total += w }
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
            if seeds.allSatisfy({ s in let e = s - p; return (e * e).sum() > bandwidth * bandwidth }) { seeds.append(p) }
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
    public static func joints(probabilities: [Float], labelCount: Int, depth: [UInt16], camera: Camera, map: JointMap,
                              parameters: [JointParameters], backgroundDepthMM: UInt16, fast: Bool = false) -> [SIMD3<Float>?] {
        probabilities.withUnsafeBufferPointer { probs in
            depth.withUnsafeBufferPointer { d in
                zip(map.joints, parameters).map { joint, p in
                    let v = votes(probabilities: probs, labelCount: labelCount, depth: d, camera: camera, labels: joint.labels,
                                  threshold: p.threshold, backgroundDepthMM: backgroundDepthMM)
                    return locate(v, bandwidth: p.bandwidth, fast: fast).map { $0 + SIMD3(0, 0, p.offset) }
                }
            }
        }
    }
}
