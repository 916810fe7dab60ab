import Foundation
import RDTCore

/// Named vertex groups of the base mesh (mesh_metadata/basemesh_vertex_groups.json): inclusive index ranges.
public struct VertexGroups: Sendable {
    public var groups: [String: [ClosedRange<Int>]]

    public init(contentsOf path: String) throws {
        func bad(_ what: String) -> MeshAssetError { .damaged(path, what) }
        let json = try AssetText.json(path, what: "a vertex group file")
        guard let object = json.objectValue else { throw bad("expected an object of groups") }
        groups = [:]
        for (name, ranges) in object {
            var list: [ClosedRange<Int>] = []
            for r in ranges.arrayValue ?? [] {
                guard let pair = r.arrayValue, pair.count == 2, let a = pair[0].intValue, let b = pair[1].intValue, a >= 0, a <= b else {
                    throw bad("group \(name) holds a range that is not [first, last]")
                }
                list.append(a...b)
            }
            groups[name] = list
        }
    }

    /// Every vertex index of `name` (empty when there is no such group).
    public func vertices(_ name: String) -> [Int] { (groups[name] ?? []).flatMap { Array($0) } }
}
