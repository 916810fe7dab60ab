import Foundation

/// Linear-blend skinning: each vertex moves with its bones, weighted, from the body's rest pose.
public enum MeshSkinning {
    /// World positions of `vertices` of `body` in `pose` (other entries stay at rest).
    public static func pose(_ body: ShapedBody, _ pose: RigPose, rig: MeshRig, weights: SkinWeights, vertices: [Int32]) -> [SIMD3<Float>] {
        let (heads, _) = pose.joints(rig, body)
        // Per bone: posed = R * rest + (head - R * restHead).
        var rows = [SIMD3<Float>](repeating: .zero, count: rig.bones.count * 4)
        for b in rig.bones.indices {
            let r = pose.rotations[b]
            let t = heads[b] - r * body.heads[b]
            rows[4 * b] = SIMD3<Float>(r.r0)
            rows[4 * b + 1] = SIMD3<Float>(r.r1)
            rows[4 * b + 2] = SIMD3<Float>(r.r2)
            rows[4 * b + 3] = SIMD3<Float>(t)
        }
        var out = body.positions
        out.withUnsafeMutableBufferPointer { out in
            body.positions.withUnsafeBufferPointer { rest in
                rows.withUnsafeBufferPointer { m in
                    weights.start.withUnsafeBufferPointer { start in
                        weights.bones.withUnsafeBufferPointer { bones in
                            weights.weights.withUnsafeBufferPointer { w in
                                for v in vertices {
                                    let p = rest[Int(v)]
                                    var sum = SIMD3<Float>.zero
                                    for k in Int(start[Int(v)])..<Int(start[Int(v) + 1]) {
                                        let b = 4 * Int(bones[k])
                                        let q = SIMD3((m[b] * p).sum(), (m[b + 1] * p).sum(), (m[b + 2] * p).sum()) + m[b + 3]
                                        sum += q * w[k]
                                    }
                                    out[Int(v)] = sum
                                }
                            }
                        }
                    }
                }
            }
        }
        return out
    }
}
