import Dataset
import Drawing
import Foundation
import RDTCore

/// glimpse's render label values (the 2018-06 render scheme: 33 body parts; background 64).
public enum RenderLabel: UInt8, CaseIterable, Sendable {
    case background = 64
    case headLeft = 7
    case headRight = 15
    case headTopLeft = 22
    case headTopRight = 29
    case neck = 36
    case clavicleLeft = 44
    case clavicleRight = 51
    case shoulderLeft = 58
    case upperArmLeft = 66
    case shoulderRight = 73
    case upperArmRight = 80
    case elbowLeft = 87
    case forearmLeft = 95
    case elbowRight = 102
    case forearmRight = 109
    case wristLeft = 117
    case handLeft = 124
    case wristRight = 131
    case handRight = 138
    case hipLeft = 146
    case thighLeft = 153
    case hipRight = 160
    case thighRight = 168
    case kneeLeft = 175
    case shinLeft = 182
    case kneeRight = 189
    case shinRight = 197
    case ankleLeft = 204
    case toesLeft = 211
    case ankleRight = 219
    case toesRight = 226
    case waistLeft = 233
    case waistRight = 240
}

extension RenderLabel {
    /// The part's name in words ("upperArmLeft" -> "upper arm left"), as label maps name it, so
    /// pictures of raw renders colour a part as pictures of packed labels do.
    public var name: String {
        String(describing: self).reduce(into: "") { s, c in
            if c.isUppercase { s += " " + c.lowercased() } else { s.append(c) }
        }
    }

    /// The palette of render label values: names in `RenderLabel.allCases` order, and per raw value
    /// its index there (unknown values: the background's).
    public static var palette: (palette: LabelPalette, index: [UInt8]) {
        var index = [UInt8](repeating: 0, count: 256)
        for (i, label) in allCases.enumerated() { index[Int(label.rawValue)] = UInt8(i) }
        return (LabelPalette(names: allCases.map(\.name)), index)
    }
}

extension RenderLabel {
    /// The same part on the other side (head left <-> head right); itself for neck and background.
    public var opposite: RenderLabel {
        let name = String(describing: self)
        let other = name.hasSuffix("Left") ? name.dropLast(4) + "Right" : name.hasSuffix("Right") ? name.dropLast(5) + "Left" : name[...]
        return Self.allCases.first { String(describing: $0) == other } ?? self
    }
}
