import Foundation

/// A forest flattened for fast per-pixel evaluation: every tree's nodes in one array, every leaf
/// table in another.
public struct CompiledForest: Sendable {
    /// 24 bytes (no 16-byte SIMD alignment): deep levels of big trees are read from memory.
    struct Node {
        var ux, uy, vx, vy: Float
        var thresholdMM: Int32
        /// -1 inner, >= 0 offset of the leaf's table in `tables`, -2 untrained.
        var leaf: Int32
    }

    let nodes: [Node]
    /// Index of each tree's root in `nodes`; tree k has `sizes[k]` nodes.
    let roots: [Int]
    let sizes: [Int]
    let tables: [Float]
    public let labelCount: Int
    public let backgroundLabel: Int
    public let backgroundDepthMM: UInt16
    public let flipMap: [UInt8]
    public var treeCount: Int { roots.count }

    public init(_ forest: [DecisionTree]) {
        precondition(!forest.isEmpty, "a forest needs at least one tree")
        labelCount = forest[0].labelCount
        backgroundLabel = forest[0].backgroundLabel
        backgroundDepthMM = UInt16(clamping: forest[0].backgroundDepthMM)
        flipMap = forest[0].flipMap
        var nodes: [Node] = [], tables: [Float] = [], roots: [Int] = [], sizes: [Int] = []
        for tree in forest {
            roots.append(nodes.count)
            sizes.append(tree.nodes.count)
            for node in tree.nodes {
                switch node {
                case .untrained: nodes.append(Node(ux: 0, uy: 0, vx: 0, vy: 0, thresholdMM: 0, leaf: -2))
                case let .split(uv, t): nodes.append(Node(ux: uv.x, uy: uv.y, vx: uv.z, vy: uv.w, thresholdMM: t, leaf: -1))
                case .leaf(let p):
                    nodes.append(Node(ux: 0, uy: 0, vx: 0, vy: 0, thresholdMM: 0, leaf: Int32(tables.count)))
                    tables += p
                }
            }
        }
        self.nodes = nodes
        self.tables = tables
        self.roots = roots
        self.sizes = sizes
    }
}
