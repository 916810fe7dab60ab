import Dataset
import Foundation
import RDTCore

/// The canonical points the body is built on, in metres, world y up.
public enum BodyPoint: String, CaseIterable, Sendable {
    case pelvis, chest, neck, headTop
    case leftShoulder, leftElbow, leftWrist, leftHandTip, leftHip, leftKnee, leftAnkle, leftToe
    case rightShoulder, rightElbow, rightWrist, rightHandTip, rightHip, rightKnee, rightAnkle, rightToe
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
