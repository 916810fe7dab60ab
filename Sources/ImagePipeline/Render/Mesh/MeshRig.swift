import Foundation
import RDTCore

/// MakeHuman's rig (rigs/standard/rig.cmu_mb.json): bones named as the CMU MotionBuilder skeleton,
/// each with a parent and a head and tail placed at the mean of a joint-cube vertex group.
public struct MeshRig: Sendable {
    public struct Bone: Sendable {
        public var name: String
        /// Index of the parent bone; nil for the root (Hips).
        public var parent: Int?
        /// Where the head and the tail go on the mesh.
        public var head: Placement
        public var tail: Placement
    }

    /// A joint's place: the mean of a joint-cube vertex group (`joint-l-elbow`), or of listed vertices.
    public enum Placement: Equatable, Sendable {
        case cube(String)
        case mean([Int32])
    }

    /// Bones ordered parents first.
    public var bones: [Bone]

    public func index(of name: String) -> Int? { bones.firstIndex { $0.name == name } }

    /// The bone on the other side (LeftArm <-> RightArm, LThumb <-> RThumb); itself on the midline.
    public func mirror(of bone: Int) -> Int {
        let name = bones[bone].name
        let swaps = [("Left", "Right"), ("Right", "Left"), ("L", "R"), ("R", "L")]
        for (a, b) in swaps where name.hasPrefix(a) {
            if let i = index(of: b + name.dropFirst(a.count)) { return i }
        }
        return bone
    }

    public init(contentsOf path: String) throws {
        func bad(_ what: String) -> MeshAssetError { .damaged(path, what) }
        let json = try AssetText.json(path, what: "a rig")
        guard let object = json.objectValue, !object.isEmpty else { throw bad("not a rig: expected an object of bones") }
        func placement(_ end: JSON?) -> Placement? {
            switch end?["strategy"]?.stringValue {
            case "CUBE": return end?["cube_name"]?.stringValue.map(Placement.cube)
            case "MEAN":
                guard let list = end?["vertex_indices"]?.arrayValue?.compactMap(\.intValue), !list.isEmpty, list.allSatisfy({ $0 >= 0 })
                else {
                    return nil
                }
                return .mean(list.map(Int32.init))
            default: return nil
            }
        }
        var raw: [(name: String, parent: String, head: Placement, tail: Placement)] = []
        for (name, bone) in object {
            guard let parent = bone["parent"]?.stringValue, let head = placement(bone["head"]), let tail = placement(bone["tail"]) else {
                throw bad("bone \(name) lacks a parent, or a head or tail placed by CUBE or MEAN")
            }
            raw.append((name, parent, head, tail))
        }
        // Parents first: repeatedly take the bones whose parent is placed.
        var ordered: [Bone] = []
        var placed: [String: Int] = [:]
        while ordered.count < raw.count {
            let before = ordered.count
            for r in raw where placed[r.name] == nil {
                if r.parent.isEmpty || placed[r.parent] != nil {
                    placed[r.name] = ordered.count
                    ordered.append(Bone(name: r.name, parent: r.parent.isEmpty ? nil : placed[r.parent], head: r.head, tail: r.tail))
                }
            }
            guard ordered.count > before else { throw bad("bones whose parents are missing or form a loop") }
        }
        guard ordered.filter({ $0.parent == nil }).count == 1 else { throw bad("expected exactly one root bone") }
        bones = ordered
    }
}
