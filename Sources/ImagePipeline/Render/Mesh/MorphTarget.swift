import Foundation

/// A MakeHuman morph target (targets/**/*.target.gz): per listed vertex, an offset in mesh units.
public struct MorphTarget: Sendable {
    public var indices: [Int32]
    public var offsets: [SIMD3<Float>]

    /// Reads "vertex dx dy dz" lines (gzip); comment lines start with #. An empty target moves nothing.
    public init(contentsOf path: String, vertexCount: Int) throws {
        let bytes = try AssetText.gunzip(path)
        indices = []
        offsets = []
        for (n, line) in AssetText.lines(bytes).enumerated() {
            let words = AssetText.words(bytes, line)
            guard let first = words.first, bytes[first.lowerBound] != UInt8(ascii: "#") else { continue }
            guard words.count == 4, let v = AssetText.int(bytes, words[0]), v < vertexCount, let x = AssetText.double(bytes, words[1]),
                let y = AssetText.double(bytes, words[2]), let z = AssetText.double(bytes, words[3])
            else {
                throw MeshAssetError.damaged(path, "line \(n + 1): expected \"vertex dx dy dz\"")
            }
            indices.append(Int32(v))
            offsets.append(SIMD3(Float(x), Float(y), Float(z)))
        }
    }

    /// Adds `weight` times this target to `positions`.
    public func apply(weight: Float, to positions: inout [SIMD3<Float>]) {
        guard weight != 0 else { return }
        positions.withUnsafeMutableBufferPointer { p in
            indices.withUnsafeBufferPointer { idx in
                offsets.withUnsafeBufferPointer { off in
                    for k in 0..<idx.count { p[Int(idx[k])] += off[k] * weight }
                }
            }
        }
    }
}
