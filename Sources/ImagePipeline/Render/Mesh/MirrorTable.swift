import Foundation

/// The base mesh's left/right vertex pairs (mesh_metadata/hm08.mirror: "vertex mirror side" per line).
public struct MirrorTable: Sendable {
    /// mirror[v]: the vertex on the other side (v itself on the midline).
    public var mirror: [Int32]

    public init(contentsOf path: String, vertexCount: Int) throws {
        let bytes = try AssetText.read(path)
        mirror = (0..<vertexCount).map { Int32($0) }
        var seen = 0
        for (n, line) in AssetText.lines(bytes).enumerated() {
            let words = AssetText.words(bytes, line)
            if words.isEmpty { continue }
            guard words.count >= 2, let a = AssetText.int(bytes, words[0]), let b = AssetText.int(bytes, words[1]), a < vertexCount,
                b < vertexCount
            else {
                throw MeshAssetError.damaged(path, "line \(n + 1): expected \"vertex mirror side\"")
            }
            mirror[a] = Int32(b)
            seen += 1
        }
        guard seen == vertexCount else {
            throw MeshAssetError.damaged(path, "\(seen) mirror pairs for \(vertexCount) vertices")
        }
    }
}
