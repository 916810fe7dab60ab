import Foundation
import RDTCore

/// Skin weights per vertex (rigs/standard/weights.cmu_mb.json), normalized to sum to one, stored
/// flat: vertex v's influences are `bones[start[v]..<start[v+1]]` with their `weights`.
public struct SkinWeights: Sendable {
    public var start: [Int32]
    public var bones: [Int32]
    public var weights: [Float]

    /// Reads {"weights": {"Bone": [[vertex, weight], ...]}} for `rig`'s bones over `vertexCount` vertices;
    /// a vertex without weights follows the root bone.
    public init(contentsOf path: String, rig: MeshRig, vertexCount: Int) throws {
        func bad(_ what: String) -> MeshAssetError { .damaged(path, what) }
        let json = try AssetText.json(path, what: "a weights file")
        guard let table = json["weights"]?.objectValue else { throw bad("no \"weights\" object") }
        var perVertex = [[(Int32, Float)]](repeating: [], count: vertexCount)
        for (name, list) in table {
            guard let bone = rig.index(of: name) else { throw bad("weights for bone \(name), which the rig lacks") }
            guard let pairs = list.arrayValue else { throw bad("weights of \(name) are not a list") }
            for pair in pairs {
                guard let a = pair.arrayValue, a.count == 2, let v = a[0].intValue, let w = a[1].doubleValue, v >= 0, v < vertexCount,
                    w.isFinite, w >= 0
                else { throw bad("weights of \(name) hold a pair that is not [vertex, weight >= 0]") }
                if w > 0 { perVertex[v].append((Int32(bone), Float(w))) }
            }
        }
        start = [0]
        bones = []
        weights = []
        let root = Int32(rig.bones.firstIndex { $0.parent == nil } ?? 0)
        for var list in perVertex {
            if list.isEmpty { list = [(root, 1)] }
            list.sort { $0.0 < $1.0 }
            let total = list.reduce(Float(0)) { $0 + $1.1 }
            for (b, w) in list {
                bones.append(b)
                weights.append(w / total)
            }
            start.append(Int32(bones.count))
        }
    }

    /// The weights made mirror-symmetric: each vertex takes the mean of its own weights and its mirror
    /// vertex's (with left and right bones swapped). MakeHuman's painted weights differ between the
    /// sides by up to half; symmetric weights make a mirrored pose render as the mirror image.
    public func symmetrized(mirror: MirrorTable, boneMirror: [Int]) -> SkinWeights {
        var out = SkinWeights(start: [0], bones: [], weights: [])
        let count = start.count - 1
        for v in 0..<count {
            var sums: [Int32: Float] = [:]
            for k in Int(start[v])..<Int(start[v + 1]) { sums[bones[k], default: 0] += weights[k] / 2 }
            let m = Int(mirror.mirror[v])
            for k in Int(start[m])..<Int(start[m + 1]) { sums[Int32(boneMirror[Int(bones[k])]), default: 0] += weights[k] / 2 }
            for (b, w) in sums.sorted(by: { $0.key < $1.key }) {
                out.bones.append(b)
                out.weights.append(w)
            }
            out.start.append(Int32(out.bones.count))
        }
        return out
    }

    init(start: [Int32], bones: [Int32], weights: [Float]) {
        self.start = start
        self.bones = bones
        self.weights = weights
    }

    /// The bone with the largest weight over `vertices` (summed).
    public func dominantBone<S: Sequence>(of vertices: S, boneCount: Int) -> Int where S.Element == Int32 {
        var sums = [Float](repeating: 0, count: boneCount)
        for v in vertices {
            for k in Int(start[Int(v)])..<Int(start[Int(v) + 1]) { sums[Int(bones[k])] += weights[k] }
        }
        return sums.indices.max { sums[$0] < sums[$1] } ?? 0
    }
}
