import Foundation

/// One body at rest: the base mesh morphed to a shape, and the rig's joints placed on it from the
/// joint cubes (so the skeleton fits this body).
public struct ShapedBody: Sendable {
    public var shape: BodyShape
    /// Rest positions, metres.
    public var positions: [SIMD3<Float>]
    /// Per bone, rest head and tail, metres.
    public var heads: [SIMD3<Double>]
    public var tails: [SIMD3<Double>]
    /// Height of the soles.
    public var floor: Double
}
