import Foundation

/// Small subtrees grown at one level: the evaluations, their cost by the level of the nodes, and
/// the dense histograms of the roots that were asked for them.
public struct SmallSubtreeGrowth: Sendable {
    public var evaluations: [(NodeKey, NodeEvaluation)] = []
    public var costs: [Int: LevelCost] = [:]
    /// Dense histograms of the roots asked for (`denseFor`).
    public var dense: [NodeKey: CompactHistogram] = [:]

    public init() {}
}
