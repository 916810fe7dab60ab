import Foundation

/// One joint's voting pixels: camera-space points (m) and weights.
public struct JointVotes: Sendable {
    public var points: [SIMD3<Float>] = []
    public var weights: [Float] = []
    public var isEmpty: Bool { points.isEmpty }
}
