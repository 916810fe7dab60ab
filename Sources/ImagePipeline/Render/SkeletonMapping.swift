import Dataset
import Foundation
import RDTCore

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
            return SkeletonMapping(
                family: "max", unit: 0.056444,
                aliases: [
                    .pelvis: "Hips", .chest: "Chest2", .neck: "Neck", .headTop: "Head_end",
                    .leftShoulder: "LeftShoulder", .leftElbow: "LeftElbow", .leftWrist: "LeftWrist", .leftHandTip: "LFingers_end",
                    .leftHip: "LeftHip", .leftKnee: "LeftKnee", .leftAnkle: "LeftAnkle", .leftToe: "LeftToe_end",
                    .rightShoulder: "RightShoulder", .rightElbow: "RightElbow", .rightWrist: "RightWrist",
                    .rightHandTip: "RFingers_end", .rightHip: "RightHip", .rightKnee: "RightKnee", .rightAnkle: "RightAnkle",
                    .rightToe: "RightToe_end",
                ], skipFrames: 0)
        }
        if names.contains("lShldr") && names.contains("hip") {
            return SkeletonMapping(
                family: "daz", unit: 0.01,
                aliases: [
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
            let json = try? JSON.parse([UInt8](data)), let joints = json["joints"]?.objectValue
        else {
            throw BVHError(path: path, line: 0, expected: "a JSON alias map with a \"joints\" object")
        }
        var aliases: [BodyPoint: String] = [:]
        for (key, value) in joints {
            guard let p = BodyPoint(rawValue: key), let name = value.stringValue else {
                throw BVHError(path: path, line: 0, expected: "joint keys among \(BodyPoint.allCases.map(\.rawValue)) with string values")
            }
            aliases[p] = name
        }
        return SkeletonMapping(
            family: "custom", unit: json["unit"]?.doubleValue ?? 0.01, aliases: aliases,
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
                throw BVHError(
                    path: motion.source, line: 0,
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
