import Dataset
import Foundation
import RDTCore

/// The canonical points the body is built on, in metres, world y up.
public enum BodyPoint: String, CaseIterable, Sendable {
    case pelvis, chest, neck, headTop
    case leftShoulder, leftElbow, leftWrist, leftHandTip, leftHip, leftKnee, leftAnkle, leftToe
    case rightShoulder, rightElbow, rightWrist, rightHandTip, rightHip, rightKnee, rightAnkle, rightToe
}

/// A pose: every canonical point's world position (metres, y up) and the subject's facing.
public struct Pose: Sendable {
    public var points: [BodyPoint: SIMD3<Double>]
    public var facing: SIMD3<Double>

    public subscript(_ p: BodyPoint) -> SIMD3<Double> { points[p] ?? .zero }
}

/// Maps a BVH skeleton's joints to the canonical points: built in for the CMU conversions (mb2,
/// mb2008, max, daz), or a JSON alias map {"leftElbow": "MyLeftElbow", ...} for anything else.
public struct SkeletonMapping: Sendable {
    public var family: String
    /// Metres per file unit.
    public var unit: Double
    public var aliases: [BodyPoint: String]
    /// Rest-pose frames to skip at the start of a clip.
    public var skipFrames: Int

    static let mb2: [BodyPoint: String] = [
        .pelvis: "Hips", .chest: "Spine1", .neck: "Neck1", .headTop: "Head_end",
        .leftShoulder: "LeftArm", .leftElbow: "LeftForeArm", .leftWrist: "LeftHand", .leftHandTip: "LeftHandIndex1_end",
        .leftHip: "LeftUpLeg", .leftKnee: "LeftLeg", .leftAnkle: "LeftFoot", .leftToe: "LeftToeBase_end",
        .rightShoulder: "RightArm", .rightElbow: "RightForeArm", .rightWrist: "RightHand",
        .rightHandTip: "RightHandIndex1_end", .rightHip: "RightUpLeg", .rightKnee: "RightLeg", .rightAnkle: "RightFoot",
        .rightToe: "RightToeBase_end",
    ]

    public static func builtIn(for motion: BVHMotion) -> SkeletonMapping? {
        let names = Set(motion.joints.map(\.name))
        if names.contains("LeftHandIndex1") {
            return SkeletonMapping(family: "mb2", unit: 0.056444, aliases: mb2, skipFrames: 1)
        }
        if names.contains("LFingers") && names.contains("LeftForeArm") {
            var a = mb2
            a[.leftHandTip] = "LFingers_end"
            a[.rightHandTip] = "RFingers_end"
            return SkeletonMapping(family: "mb2008", unit: 0.056444, aliases: a, skipFrames: 1)
        }
        if names.contains("LeftElbow") && names.contains("Chest2") {
            return SkeletonMapping(family: "max", unit: 0.056444, aliases: [
                .pelvis: "Hips", .chest: "Chest2", .neck: "Neck", .headTop: "Head_end",
                .leftShoulder: "LeftShoulder", .leftElbow: "LeftElbow", .leftWrist: "LeftWrist", .leftHandTip: "LFingers_end",
                .leftHip: "LeftHip", .leftKnee: "LeftKnee", .leftAnkle: "LeftAnkle", .leftToe: "LeftToe_end",
                .rightShoulder: "RightShoulder", .rightElbow: "RightElbow", .rightWrist: "RightWrist",
                .rightHandTip: "RFingers_end", .rightHip: "RightHip", .rightKnee: "RightKnee", .rightAnkle: "RightAnkle",
                .rightToe: "RightToe_end",
            ], skipFrames: 0)
        }
        if names.contains("lShldr") && names.contains("hip") {
            return SkeletonMapping(family: "daz", unit: 0.01, aliases: [
                .pelvis: "hip", .chest: "chest", .neck: "neck", .headTop: "head^0.2",
                .leftShoulder: "lShldr", .leftElbow: "lForeArm", .leftWrist: "lHand", .leftHandTip: "lMid1",
                .leftHip: "lThigh", .leftKnee: "lShin", .leftAnkle: "lFoot", .leftToe: "lFoot_end",
                .rightShoulder: "rShldr", .rightElbow: "rForeArm", .rightWrist: "rHand", .rightHandTip: "rMid1",
                .rightHip: "rThigh", .rightKnee: "rShin", .rightAnkle: "rFoot", .rightToe: "rFoot_end",
            ], skipFrames: 5)
        }
        return nil
    }

    /// Reads a JSON alias map: {"unit": metres per unit, "skip_frames": n, "joints": {"leftElbow": "Name", ...}};
    /// "Name^0.2" continues the bone into Name by 0.2 m (for a head top without an end site).
    public static func load(_ path: String) throws -> SkeletonMapping {
        guard let data = FileManager.default.contents(atPath: path),
              let json = try? JSON.parse([UInt8](data)), let joints = json["joints"]?.objectValue else {
            throw BVHError(path: path, line: 0, expected: "a JSON alias map with a \"joints\" object")
        }
        var aliases: [BodyPoint: String] = [:]
        for (key, value) in joints {
            guard let p = BodyPoint(rawValue: key), let name = value.stringValue else {
                throw BVHError(path: path, line: 0, expected: "joint keys among \(BodyPoint.allCases.map(\.rawValue)) with string values")
            }
            aliases[p] = name
        }
        return SkeletonMapping(family: "custom", unit: json["unit"]?.doubleValue ?? 0.01, aliases: aliases,
                               skipFrames: json["skip_frames"]?.intValue ?? 0)
    }

    /// The pose of a BVH frame; every canonical point must be mapped to a joint of the file.
    public func pose(_ motion: BVHMotion, frame: Int) throws -> Pose {
        let positions = motion.positions(frame: frame)
        var points: [BodyPoint: SIMD3<Double>] = [:]
        for p in BodyPoint.allCases {
            // "name^L": the bone from name's parent through name, continued for L metres past name.
            let parts = (aliases[p] ?? "").split(separator: "^")
            guard let name = parts.first.map(String.init), let j = motion.index(of: name) else {
                throw BVHError(path: motion.source, line: 0,
                               expected: "a joint for \(p.rawValue) (\(aliases[p] ?? "unmapped")); give --joint-map for this skeleton")
            }
            points[p] = positions[j] * unit
            if parts.count == 2, let extra = Double(parts[1]), let parent = motion.joints[j].parent {
                let dir = positions[j] - positions[parent]
                let n = (dir * dir).sum().squareRoot()
                if n > 0 { points[p]! += dir / n * extra }
            }
        }
        var facing = motion.facing(frame: frame)
        facing.y = 0
        let n = (facing * facing).sum().squareRoot()
        return Pose(points: points, facing: n > 1e-6 ? facing / n : SIMD3(0, 0, 1))
    }
}

/// The built-in motion source: seeded walk and reach cycles on a procedural skeleton with joint
/// limits, for training without a mocap library (the demo's default).
public enum BuiltInMotion {
    public static let clips = ["builtin-walk", "builtin-reach"]

    /// The pose of frame `frame` of clip `clip` (`builtin-walk` or `builtin-reach`), seeded by `seed`.
    public static func pose(clip: String, frame: Int, seed: UInt64) -> Pose {
        var rng = DeterministicRandom(seed, hash(clip), 0xB17)
        let height = rng.uniform(1.55, 1.9)
        let period = rng.uniform(50.0, 70.0)
        let swing = rng.uniform(0.25, 0.45)
        let phase = 2 * Double.pi * Double(frame) / period
        let thigh = 0.245 * height, shin = 0.246 * height, upperArm = 0.186 * height, forearm = 0.146 * height
        let hand = 0.09 * height, hipHalf = 0.085 * height, shoulderHalf = 0.13 * height
        let pelvis = SIMD3<Double>(0, 0.53 * height, 0)
        var p: [BodyPoint: SIMD3<Double>] = [:]
        p[.pelvis] = pelvis
        let lean = clip == "builtin-reach" ? 0.1 * sin(phase) : 0.03
        let up = SIMD3<Double>(0, 1, 0), forward = SIMD3<Double>(0, 0, 1), left = SIMD3<Double>(1, 0, 0)
        let spineDir = up * cos(lean) + forward * sin(lean)
        p[.chest] = pelvis + spineDir * (0.25 * height)
        p[.neck] = pelvis + spineDir * (0.30 * height)
        p[.headTop] = p[.neck]! + spineDir * (0.13 * height)
        // A limb in the sagittal plane: angle from straight down, positive forward.
        func down(_ angle: Double) -> SIMD3<Double> { -up * cos(angle) + forward * sin(angle) }
        for (side, sign) in [(0, 1.0), (1, -1.0)] {
            let s = phase + (side == 0 ? 0 : Double.pi)
            let hip = pelvis + left * (sign * hipHalf)
            let hipAngle: Double, kneeBend: Double
            if clip == "builtin-walk" {
                hipAngle = min(max(swing * sin(s), -0.35), 1.0)
                kneeBend = min(max(0.6 * max(0, sin(s + 1.2)) + 0.05, 0), 2.4)
            } else {
                hipAngle = 0.05 * sin(s)
                kneeBend = 0.05 + 0.1 * max(0, sin(phase))
            }
            let knee = hip + down(hipAngle) * thigh
            let ankle = knee + down(hipAngle - kneeBend) * shin
            let toe = ankle + forward * (0.11 * height) - up * (0.03 * height)
            let shoulder = p[.chest]! + spineDir * (0.04 * height) + left * (sign * shoulderHalf)
            let armAngle: Double, elbowBend: Double, spread: Double
            if clip == "builtin-reach" && side == 0 {
                armAngle = min(max(0.3 + 1.6 * (0.5 + 0.5 * sin(phase)), -0.5), 2.8)
                elbowBend = 0.2 + 0.5 * (0.5 - 0.5 * sin(phase))
                spread = 0.25
            } else {
                armAngle = clip == "builtin-walk" ? -0.8 * swing * sin(s) : 0.1
                elbowBend = 0.25 + 0.2 * max(0, sin(s))
                spread = 0.12
            }
            let out = left * (sign * sin(spread))
            let elbow = shoulder + (down(armAngle) * cos(spread) + out) * upperArm
            let wrist = elbow + (down(armAngle + min(max(elbowBend, 0), 2.6)) * cos(spread) + out) * forearm
            let tip = wrist + (wrist - elbow) / forearm * hand
            if side == 0 {
                p[.leftHip] = hip; p[.leftKnee] = knee; p[.leftAnkle] = ankle; p[.leftToe] = toe
                p[.leftShoulder] = shoulder; p[.leftElbow] = elbow; p[.leftWrist] = wrist; p[.leftHandTip] = tip
            } else {
                p[.rightHip] = hip; p[.rightKnee] = knee; p[.rightAnkle] = ankle; p[.rightToe] = toe
                p[.rightShoulder] = shoulder; p[.rightElbow] = elbow; p[.rightWrist] = wrist; p[.rightHandTip] = tip
            }
        }
        return Pose(points: p, facing: forward)
    }

    static func hash(_ s: String) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in s.utf8 { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
        return h
    }
}

extension BodyPoint {
    /// The body point a glimpse joint-map joint stands for (bone.head / bone.tail names of the
    /// glimpse rig: "head.tail" is the top of the head, "upperarm_l.head" the left shoulder, ...).
    public init?(glimpseJoint name: String) {
        let table: [String: BodyPoint] = [
            "head.tail": .headTop, "neck_01.head": .neck, "spine_03.head": .chest, "pelvis.head": .pelvis,
            "upperarm_l.head": .leftShoulder, "upperarm_r.head": .rightShoulder,
            "lowerarm_l.head": .leftElbow, "lowerarm_r.head": .rightElbow, "upperarm_l.tail": .leftElbow, "upperarm_r.tail": .rightElbow,
            "lowerarm_l.tail": .leftWrist, "lowerarm_r.tail": .rightWrist, "hand_l.head": .leftWrist, "hand_r.head": .rightWrist,
            "hand_l.tail": .leftHandTip, "hand_r.tail": .rightHandTip,
            "thigh_l.head": .leftHip, "thigh_r.head": .rightHip,
            "thigh_l.tail": .leftKnee, "thigh_r.tail": .rightKnee, "calf_l.head": .leftKnee, "calf_r.head": .rightKnee,
            "calf_l.tail": .leftAnkle, "calf_r.tail": .rightAnkle, "foot_l.head": .leftAnkle, "foot_r.head": .rightAnkle,
            "foot_l.tail": .leftToe, "foot_r.tail": .rightToe,
        ]
        guard let p = table[name] else { return nil }
        self = p
    }
}
