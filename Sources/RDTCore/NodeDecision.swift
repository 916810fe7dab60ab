import Foundation

/// What the grower decided for a node: route its pixels, or close it as a leaf.
public enum NodeDecision: Equatable, Sendable {
    case split(uv: SIMD4<Float>, thresholdMM: Int32)
    case leaf
}
