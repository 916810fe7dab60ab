import Dataset
import Foundation
import RDTCore

/// A pose: every canonical point's world position (metres, y up) and the subject's facing.
public struct Pose: Sendable {
    public var points: [BodyPoint: SIMD3<Double>]
    public var facing: SIMD3<Double>

    public subscript(_ p: BodyPoint) -> SIMD3<Double> { points[p] ?? .zero }
}
