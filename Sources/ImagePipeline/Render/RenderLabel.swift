import Dataset
import Foundation
import RDTCore

/// glimpse's render label values (the 2018-06 render scheme: 33 body parts; background 64).
public enum RenderLabel: UInt8, CaseIterable, Sendable {
    case background = 64
    case headLeft = 7, headRight = 15, headTopLeft = 22, headTopRight = 29, neck = 36
    case clavicleLeft = 44, clavicleRight = 51, shoulderLeft = 58, upperArmLeft = 66, shoulderRight = 73
    case upperArmRight = 80, elbowLeft = 87, forearmLeft = 95, elbowRight = 102, forearmRight = 109
    case wristLeft = 117, handLeft = 124, wristRight = 131, handRight = 138, hipLeft = 146, thighLeft = 153
    case hipRight = 160, thighRight = 168, kneeLeft = 175, shinLeft = 182, kneeRight = 189, shinRight = 197
    case ankleLeft = 204, toesLeft = 211, ankleRight = 219, toesRight = 226, waistLeft = 233, waistRight = 240
}
