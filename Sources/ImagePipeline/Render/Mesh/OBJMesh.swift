import Foundation

/// A Wavefront OBJ mesh as MakeHuman writes it: vertices, polygon faces (vertex indices only) and
/// the group each face belongs to.
public struct OBJMesh: Sendable {
    /// Vertex positions in file units.
    public var vertices: [SIMD3<Double>]
    /// Faces as 0-based vertex indices (3 or 4 each in hm08).
    public var faces: [[Int32]]
    /// Per face, its index in `groups`.
    public var faceGroups: [Int32]
    public var groups: [String]

    /// Reads `v`, `f` and `g` lines; other lines (`vt`, `usemtl`, `s`, comments) hold nothing the renderer uses.
    public init(contentsOf path: String) throws {
        let bytes = try AssetText.read(path)
        vertices = []
        faces = []
        faceGroups = []
        groups = ["default"]
        var group: Int32 = 0
        for (n, line) in AssetText.lines(bytes).enumerated() {
            let words = AssetText.words(bytes, line)
            guard let first = words.first else { continue }
            func bad(_ what: String) -> MeshAssetError {
                MeshAssetError.damaged(path, "line \(n + 1): \(what)")
            }
            switch bytes[first.lowerBound] {
            case UInt8(ascii: "v") where first.count == 1:
                guard words.count >= 4, let x = AssetText.double(bytes, words[1]), let y = AssetText.double(bytes, words[2]),
                    let z = AssetText.double(bytes, words[3])
                else { throw bad("expected a vertex \"v x y z\"") }
                vertices.append(SIMD3(x, y, z))
            case UInt8(ascii: "f") where first.count == 1:
                var face: [Int32] = []
                for word in words.dropFirst() {
                    // "12/34": the vertex index is before the first slash.
                    var end = word.lowerBound
                    while end < word.upperBound && bytes[end] != UInt8(ascii: "/") { end += 1 }
                    guard let v = AssetText.int(bytes, word.lowerBound..<end), v >= 1 else {
                        throw bad("expected a face of vertex indices")
                    }
                    face.append(Int32(v - 1))
                }
                guard face.count >= 3 else { throw bad("a face needs 3 or more vertices") }
                faces.append(face)
                faceGroups.append(group)
            case UInt8(ascii: "g") where first.count == 1:
                let name = words.count > 1 ? String(decoding: bytes[words[1]], as: UTF8.self) : "default"
                if let i = groups.firstIndex(of: name) {
                    group = Int32(i)
                } else {
                    groups.append(name)
                    group = Int32(groups.count - 1)
                }
            default:
                continue
            }
        }
        let count = vertices.count
        guard count > 0, faces.allSatisfy({ $0.allSatisfy { Int($0) < count } }) else {
            throw MeshAssetError.damaged(path, "no vertices, or a face names a vertex past the last")
        }
    }
}
