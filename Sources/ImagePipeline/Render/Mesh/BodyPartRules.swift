import Foundation

/// The rules that give each face of the base mesh one of glimpse's 33 render labels, from its
/// dominant bone (the largest summed skin weight over its corners) and where its centre lies along
/// that bone (t: 0 at the head, 1 at the tail), for a face on the subject's left; a face on the right
/// takes the opposite of its mirror face's label, so labels are mirror-exact.
enum BodyPartRules {
    /// Heights (metres, rest pose) that split regions no single bone separates.
    struct Levels {
        /// Above this, torso faces are clavicle; below, waist.
        var chest: Double
        /// Above this, head faces are head top.
        var headTop: Double
    }

    /// The bone's name without its side ("LeftForeArm" -> "ForeArm", "LThumb" -> "Thumb").
    static func kind(_ bone: String) -> String {
        for prefix in ["Left", "Right"] where bone.hasPrefix(prefix) { return String(bone.dropFirst(prefix.count)) }
        if bone.count > 1, bone.first == "L" || bone.first == "R", bone.dropFirst().first?.isUppercase == true {
            return String(bone.dropFirst())
        }
        return bone
    }

    /// The label of a face on the subject's left.
    static func leftLabel(bone: String, t: Double, centre: SIMD3<Double>, levels: Levels) -> RenderLabel {
        switch kind(bone) {
        case "Head": return centre.y > levels.headTop ? .headTopLeft : .headLeft
        case "Neck", "Neck1": return .neck
        case "Hips", "LowerBack", "Spine", "Spine1": return centre.y > levels.chest ? .clavicleLeft : .waistLeft
        case "Shoulder": return t > 0.75 ? .shoulderLeft : .clavicleLeft
        case "Arm": return t < 0.22 ? .shoulderLeft : t > 0.82 ? .elbowLeft : .upperArmLeft
        case "ForeArm": return t < 0.16 ? .elbowLeft : t > 0.86 ? .wristLeft : .forearmLeft
        case "Hand": return t < 0.22 ? .wristLeft : .handLeft
        case "HipJoint": return .hipLeft
        case "UpLeg": return t < 0.16 ? .hipLeft : t > 0.88 ? .kneeLeft : .thighLeft
        case "Leg": return t < 0.1 ? .kneeLeft : t > 0.9 ? .ankleLeft : .shinLeft
        case "Foot": return t < 0.25 ? .ankleLeft : .toesLeft
        case "ToeBase": return .toesLeft
        default: return .handLeft  // fingers and thumb
        }
    }
}
