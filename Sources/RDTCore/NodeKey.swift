import Foundation

/// A node of one tree of a forest.
public struct NodeKey: Hashable, Comparable, Sendable {
    public var tree: Int
    public var node: Int

    public init(tree: Int, node: Int) {
        self.tree = tree
        self.node = node
    }

    public static func < (a: NodeKey, b: NodeKey) -> Bool { (a.tree, a.node) < (b.tree, b.node) }
    public var sibling: NodeKey { NodeKey(tree: tree, node: node % 2 == 1 ? node + 1 : node - 1) }
    public var parent: NodeKey { NodeKey(tree: tree, node: (node - 1) / 2) }
    public var isLeftChild: Bool { node % 2 == 1 }
}
