import Dataset
import Foundation
import RDTCore

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
                p[.leftHip] = hip
                p[.leftKnee] = knee
                p[.leftAnkle] = ankle
                p[.leftToe] = toe
                p[.leftShoulder] = shoulder
                p[.leftElbow] = elbow
                p[.leftWrist] = wrist
                p[.leftHandTip] = tip
            } else {
                p[.rightHip] = hip
                p[.rightKnee] = knee
                p[.rightAnkle] = ankle
                p[.rightToe] = toe
                p[.rightShoulder] = shoulder
                p[.rightElbow] = elbow
                p[.rightWrist] = wrist
                p[.rightHandTip] = tip
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
