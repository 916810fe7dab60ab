import Foundation

/// Drives the rig from a BVH clip. Skeletons with the rig's CMU MotionBuilder bone names (mb2,
/// mb2008) map one-to-one by rotation: each bone's world rotation is the BVH joint's, after the
/// smallest rotation that turns the rig's rest bone onto the BVH's rest bone (MakeHuman rests in an
/// A-pose, the BVH in its OFFSETs' T-pose). Other skeletons go through their canonical points
/// (`SkeletonMapping`): each limb bone turns from its parent's frame onto the mapped points.
public struct RigRetarget: Sendable {
    public let motion: BVHMotion
    public let mapping: SkeletonMapping
    /// Per rig bone, the BVH joint driving it (nil: it turns with its parent), when mapping by rotation.
    let driver: [Int?]
    /// Per rig bone, the BVH's rest direction of that bone (zero when the BVH has none).
    let bvhRest: [SIMD3<Double>]
    /// Rest positions of the BVH joints, metres.
    let bvhRestPositions: [SIMD3<Double>]

    /// True when the skeleton carries the rig's bone names.
    public var byRotation: Bool { driver.contains { $0 != nil } }

    public init(motion: BVHMotion, mapping: SkeletonMapping, rig: MeshRig) {
        self.motion = motion
        self.mapping = mapping
        let zero = [Double](repeating: 0, count: motion.joints.reduce(0) { $0 + $1.channels.count })
        bvhRestPositions = motion.transforms(row: zero).positions.map { $0 * mapping.unit }
        guard mapping.family == "mb2" || mapping.family == "mb2008" else {
            driver = Array(repeating: nil, count: rig.bones.count)
            bvhRest = Array(repeating: .zero, count: rig.bones.count)
            return
        }
        let finger = mapping.family == "mb2" ? "HandIndex1" : "Fingers"
        func bvhName(_ bone: String) -> String {
            if bone == "LeftHandFinger1" { return mapping.family == "mb2" ? "Left" + finger : "L" + finger }
            if bone == "RightHandFinger1" { return mapping.family == "mb2" ? "Right" + finger : "R" + finger }
            return bone
        }
        // Fingers and thumbs follow the hand: CMU captures no finger motion worth the name, and their
        // zero-length BVH bones give no rest direction to align the rig's fingers with.
        let fingers: Set<String> = ["FingerBase", "HandFinger1", "Thumb"]
        let drivers = rig.bones.map { fingers.contains(BodyPartRules.kind($0.name)) ? nil : motion.index(of: bvhName($0.name)) }
        driver = drivers
        let rest = bvhRestPositions
        bvhRest = rig.bones.indices.map { b in
            guard let j = drivers[b] else { return .zero }
            // Follow the rig's chain (the bone whose head is this bone's tail) until the BVH moves away from j.
            var bone = b
            while let next = rig.bones.indices.first(where: { rig.bones[$0].parent == bone && rig.bones[$0].head == rig.bones[bone].tail }),
                let k = drivers[next]
            {
                let d = rest[k] - rest[j]
                if (d * d).sum() > 1e-8 { return d }
                bone = next
            }
            // A leaf: the BVH joint's end site, or its only child.
            if let end = motion.joints.indices.first(where: { motion.joints[$0].parent == j }) {
                return rest[end] - rest[j]
            }
            return .zero
        }
    }

    /// The rig pose of frame `frame` on `body`.
    public func pose(frame: Int, rig: MeshRig, body: ShapedBody) throws -> RigPose {
        guard byRotation else { return Self.pose(points: try mapping.pose(motion, frame: frame), rig: rig, body: body) }
        let (positions, global) = motion.transforms(row: motion.frames[frame])
        let root = rootPosition(positions[0], body: body)
        var rotations = [Matrix3](repeating: .identity, count: rig.bones.count)
        for (b, bone) in rig.bones.enumerated() {
            guard let j = driver[b] else {
                rotations[b] = bone.parent.map { rotations[$0] } ?? .identity
                continue
            }
            rotations[b] = global[j] * Matrix3.turning(body.tails[b] - body.heads[b], onto: bvhRest[b])
        }
        return RigPose(rotations: rotations, root: root)
    }

    /// Where the root goes: the BVH root (file units), scaled by the body's hip height over the BVH's
    /// (the camera finds the floor under the posed body, so only the motion's size matters).
    func rootPosition(_ bvhRoot: SIMD3<Double>, body: ShapedBody) -> SIMD3<Double> {
        let restFloor = bvhRestPositions.map(\.y).min() ?? 0
        let bvhHip = bvhRestPositions[0].y - restFloor
        let hip = body.heads[0].y - body.floor
        return bvhRoot * mapping.unit * (bvhHip > 0.05 ? hip / bvhHip : 1)
    }

    /// Canonical points -> rig: the pelvis and chest frames from hips, shoulders and spine; each limb
    /// bone turned from its parent's rotation onto the mapped points; the root at the pelvis, scaled
    /// by the body's leg length over the pose's.
    public static func pose(points pose: Pose, rig: MeshRig, body: ShapedBody) -> RigPose {
        let rest = RigPose.rest(body).canonicalPoints(rig, body)
        func leg(_ p: (BodyPoint) -> SIMD3<Double>) -> Double {
            func d(_ a: BodyPoint, _ b: BodyPoint) -> Double { ((p(a) - p(b)) * (p(a) - p(b))).sum().squareRoot() }
            return d(.leftHip, .leftKnee) + d(.leftKnee, .leftAnkle) + d(.rightHip, .rightKnee) + d(.rightKnee, .rightAnkle)
        }
        let poseLeg = leg { pose[$0] }
        let root = pose[.pelvis] * (poseLeg > 0.1 ? leg { rest[$0] ?? .zero } / poseLeg : 1)
        func frameOf(_ p: (BodyPoint) -> SIMD3<Double>, left: BodyPoint, right: BodyPoint, low: BodyPoint, high: BodyPoint) -> Matrix3 {
            let up = normalize(p(high) - p(low))
            var side = p(left) - p(right)
            side = normalize(side - up * (side * up).sum())
            return Matrix3.columns(side, up, cross(side, up))
        }
        let pelvis =
            frameOf({ pose[$0] }, left: .leftHip, right: .rightHip, low: .pelvis, high: .chest)
            * frameOf({ rest[$0] ?? .zero }, left: .leftHip, right: .rightHip, low: .pelvis, high: .chest).transposed
        let chest =
            frameOf({ pose[$0] }, left: .leftShoulder, right: .rightShoulder, low: .chest, high: .neck)
            * frameOf({ rest[$0] ?? .zero }, left: .leftShoulder, right: .rightShoulder, low: .chest, high: .neck).transposed
        // Bones that follow a pair of canonical points; the others turn with their parent.
        var limbs: [String: (BodyPoint, BodyPoint)] = ["Neck1": (.neck, .headTop), "Head": (.neck, .headTop)]
        for (side, l) in [("Left", true), ("Right", false)] {
            func pt(_ a: BodyPoint, _ b: BodyPoint) -> BodyPoint { l ? a : b }
            limbs[side + "Shoulder"] = (.neck, pt(.leftShoulder, .rightShoulder))
            limbs[side + "Arm"] = (pt(.leftShoulder, .rightShoulder), pt(.leftElbow, .rightElbow))
            limbs[side + "ForeArm"] = (pt(.leftElbow, .rightElbow), pt(.leftWrist, .rightWrist))
            limbs[side + "Hand"] = (pt(.leftWrist, .rightWrist), pt(.leftHandTip, .rightHandTip))
            limbs[side + "UpLeg"] = (pt(.leftHip, .rightHip), pt(.leftKnee, .rightKnee))
            limbs[side + "Leg"] = (pt(.leftKnee, .rightKnee), pt(.leftAnkle, .rightAnkle))
            limbs[side + "Foot"] = (pt(.leftAnkle, .rightAnkle), pt(.leftToe, .rightToe))
        }
        var rotations = [Matrix3](repeating: .identity, count: rig.bones.count)
        for (b, bone) in rig.bones.enumerated() {
            let parent = bone.parent.map { rotations[$0] } ?? pelvis
            switch bone.name {
            case "Hips", "LowerBack", "Spine", "LHipJoint", "RHipJoint": rotations[b] = pelvis
            case "Spine1", "Neck": rotations[b] = chest
            default:
                if let (a, z) = limbs[bone.name], let ra = rest[a], let rz = rest[z] {
                    rotations[b] = Matrix3.turning(parent * (rz - ra), onto: pose[z] - pose[a]) * parent
                } else {
                    rotations[b] = parent
                }
            }
        }
        return RigPose(rotations: rotations, root: root)
    }
}
