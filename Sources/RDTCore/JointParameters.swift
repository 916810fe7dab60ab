import Foundation

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

    /// A parameter file as glimpse's joint tools read it: `{"n_joints", "params": [{"name",
    /// "bandwidth", "threshold", "offset"}, ...]}`, each entry also under Canopy's earlier key
    /// `joint`, with `extra` fields (how it was fitted) after.
    public static func json(_ params: [JointParameters], map: JointMap, extra: [(String, JSON)] = []) -> JSON {
        .object(
            [
                ("n_joints", .int(params.count)),
                (
                    "params",
                    .array(
                        zip(map.joints, params).map { j, p in
                            .object([
                                ("name", .string(j.name)), ("joint", .string(j.name)), ("bandwidth", .double(Double(p.bandwidth))),
                                ("threshold", .double(Double(p.threshold))), ("offset", .double(Double(p.offset))),
                            ])
                        })
                ),
            ] + extra)
    }

    static let entryKeys = InputKeys(["name", "joint", "bandwidth", "threshold", "offset"])

    /// Reads a parameter file for `map`'s joints (by name): glimpse's (entries keyed by `name`)
    /// or Canopy's earlier ones (`joint`).
    public static func load(_ path: String, map: JointMap) throws -> [JointParameters] {
        func bad(_ p: String) -> JointError { .invalid(path: path, problem: p) }
        guard let data = FileManager.default.contents(atPath: path), let json = try? JSON.parse([UInt8](data)),
            let list = json["params"]?.arrayValue
        else { throw bad("not a joint parameter file (made by canopy train-joints or glimpse)") }
        var byName: [String: JointParameters] = [:]
        for e in list {
            try entryKeys.check(e, path: path, what: "joint parameter entry")
            guard let name = e["name"]?.stringValue ?? e["joint"]?.stringValue, let b = e["bandwidth"]?.doubleValue,
                let t = e["threshold"]?.doubleValue,
                let o = e["offset"]?.doubleValue, b > 0
            else { throw bad("an entry lacks name, bandwidth > 0, threshold or offset") }
            byName[name] = JointParameters(bandwidth: Float(b), threshold: Float(t), offset: Float(o))
        }
        return try map.joints.map { j in
            guard let p = byName[j.name] else { throw bad("no parameters for joint \(j.name)") }
            return p
        }
    }
}
