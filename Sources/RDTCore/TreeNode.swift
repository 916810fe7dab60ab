/// One node of a tree: not trained, an inner split, or a leaf with label probabilities.
public enum TreeNode: Equatable, Sendable {
    case untrained
    /// (u.x, u.y, v.x, v.y) in pixel-metres; f < thresholdMM goes left (child 2i+1).
    case split(uv: SIMD4<Float>, thresholdMM: Int32)
    case leaf([Float])
}
