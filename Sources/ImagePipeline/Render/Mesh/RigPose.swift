import Foundation

/// A pose of the rig: every bone's rotation in world space from its rest orientation, and where the
/// root bone's head is. Child heads follow their parents, so bone lengths are the body's own.
public struct RigPose: Sendable {
    public var rotations: [Matrix3]
    /// World position of the root bone's head, metres.
    public var root: SIMD3<Double>

    public init(rotations: [Matrix3], root: SIMD3<Double>) {
        self.rotations = rotations
        self.root = root
    }

    /// The rest pose of `body`: the mesh as modelled.
    public static func rest(_ body: ShapedBody) -> RigPose {
        RigPose(rotations: Array(repeating: .identity, count: body.heads.count), root: body.heads[0])
    }

    /// Posed heads and tails of every bone of `rig` on `body`.
    public func joints(_ rig: MeshRig, _ body: ShapedBody) -> (heads: [SIMD3<Double>], tails: [SIMD3<Double>]) {
        var heads = body.heads
        for (b, bone) in rig.bones.enumerated() {
            if let p = bone.parent {
                heads[b] = heads[p] + rotations[p] * (body.heads[b] - body.heads[p])
            } else {
                heads[b] = root + (body.heads[b] - body.heads[0])
            }
        }
        let tails = rig.bones.indices.map { heads[$0] + rotations[$0] * (body.tails[$0] - body.heads[$0]) }
        return (heads, tails)
    }

    /// The pose reflected through the plane x = 0: each bone takes its mirror bone's rotation,
    /// reflected (left and right swap, as in a mirror).
    public func mirrored(_ rig: MeshRig) -> RigPose {
        let s = Matrix3(r0: SIMD3(-1, 0, 0), r1: SIMD3(0, 1, 0), r2: SIMD3(0, 0, 1))
        return RigPose(
            rotations: rig.bones.indices.map { s * rotations[rig.mirror(of: $0)] * s }, root: SIMD3(-root.x, root.y, root.z))
    }

    /// The direction the subject faces: the root's rotation applied to the rest facing (+z), level.
    public var facing: SIMD3<Double> {
        var f = rotations[0] * SIMD3(0, 0, 1)
        f.y = 0
        let n = (f * f).sum().squareRoot()
        return n > 1e-6 ? f / n : SIMD3(0, 0, 1)
    }
}

extension RigPose {
    /// The rig joint each canonical point stands for: (bone, true for its tail, false for its head).
    public static let canonicalJoints: [BodyPoint: (String, Bool)] = [
        .pelvis: ("Hips", false), .chest: ("Spine1", false), .neck: ("Neck1", false), .headTop: ("Head", true),
        .leftShoulder: ("LeftArm", false), .leftElbow: ("LeftForeArm", false), .leftWrist: ("LeftHand", false),
        .leftHandTip: ("LeftHandFinger1", true), .leftHip: ("LeftUpLeg", false), .leftKnee: ("LeftLeg", false),
        .leftAnkle: ("LeftFoot", false), .leftToe: ("LeftToeBase", true),
        .rightShoulder: ("RightArm", false), .rightElbow: ("RightForeArm", false), .rightWrist: ("RightHand", false),
        .rightHandTip: ("RightHandFinger1", true), .rightHip: ("RightUpLeg", false), .rightKnee: ("RightLeg", false),
        .rightAnkle: ("RightFoot", false), .rightToe: ("RightToeBase", true),
    ]

    /// The canonical points of this pose on `body` (world, metres).
    public func canonicalPoints(_ rig: MeshRig, _ body: ShapedBody) -> [BodyPoint: SIMD3<Double>] {
        let (heads, tails) = joints(rig, body)
        var points: [BodyPoint: SIMD3<Double>] = [:]
        for (p, (name, tail)) in Self.canonicalJoints {
            if let b = rig.index(of: name) { points[p] = tail ? tails[b] : heads[b] }
        }
        return points
    }
}
