/// A decision tree in glimpse's layout: nodes numbered breadth-first, children of i at 2i+1, 2i+2.
public struct DecisionTree: Equatable, Sendable {
    public var depth: Int
    public var labels: [LabelInfo]
    public var verticalFOV: Double
    public var backgroundDepthMM: Int
    public var backgroundLabel: Int = 0
    public var nodes: [TreeNode]
    /// Training records (parameters, dataset, per-level statistics); never part of the tree itself.
    public var history: [JSON] = []

    /// The deepest tree Canopy makes or reads: a tree is a full array of 2^depth - 1 nodes, so
    /// depth 24 is already 16.8M nodes (over 500 MB as .rdt), and each level more doubles it.
    public static let maximumDepth = 24

    public init(depth: Int, labels: [LabelInfo], verticalFOV: Double, backgroundDepthMM: Int = 32000) {
        self.depth = depth
        self.labels = labels
        self.verticalFOV = verticalFOV
        self.backgroundDepthMM = backgroundDepthMM
        nodes = [TreeNode](repeating: .untrained, count: (1 << depth) - 1)
    }

    public var labelCount: Int { labels.count }

    /// packed label -> mirrored label, from the labels' `opposite` names.
    public var flipMap: [UInt8] { LabelInfo.flipMap(labels) }

    /// Leaves in node index order (the order of the .rdt file's tables).
    public var leafCount: Int { nodes.reduce(0) { if case .leaf = $1 { return $0 + 1 } else { return $0 } } }
}

extension DecisionTree {
    /// Every decided node in node order (parents before children): what routes pixels loaded at
    /// the roots to the nodes they reach in this tree.
    public var decisions: [(node: Int, decision: NodeDecision)] {
        nodes.enumerated().compactMap { n, node in
            switch node {
            case .untrained: return nil
            case .leaf: return (n, .leaf)
            case let .split(uv, threshold): return (n, .split(uv: uv, thresholdMM: threshold))
            }
        }
    }
}
