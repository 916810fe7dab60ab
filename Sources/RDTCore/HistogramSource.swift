import Foundation

/// Where node histograms come from: the local data (single process) or the workers (coordinator).
public protocol HistogramSource: AnyObject {
    /// Label counts per (candidate, bin) for each node, summed over all data, in request order.
    func histograms(for nodes: [NodeKey]) throws -> [[UInt32]]
    /// Routes the pixels of split nodes to their children; forgets leaves.
    func apply(_ decisions: [(NodeKey, NodeDecision)]) throws
    /// Whether the source can count the next batch while the grower decides the current one.
    var pipelined: Bool { get }
    /// Starts counting `nodes`, a batch a later `histograms(for:)` call will ask for (in order).
    func prefetch(_ nodes: [NodeKey]) throws
    /// How many batches a pipelined source counts ahead of the one being decided.
    var prefetchDepth: Int { get }
    /// Nodes with at most this many pixels are grown whole by `growSmallSubtrees` (0: never).
    var smallNodePixels: Int { get }
    /// Evaluations of each root and of every node below it that needs one, grown from the roots'
    /// pixels alone (see `SmallSubtree`); for the roots in `denseFor`, also their dense histograms
    /// (which their bins give for little more than a pass), so a large sibling can be derived.
    func growSmallSubtrees(_ roots: [NodeKey], level: Int, rules: StoppingRules, denseFor: Set<NodeKey>) throws
        -> SmallSubtreeGrowth
}

extension HistogramSource {
    public var pipelined: Bool { false }
    public func prefetch(_ nodes: [NodeKey]) throws {}
    public var prefetchDepth: Int { 1 }
    public var smallNodePixels: Int { 0 }
    public func growSmallSubtrees(_ roots: [NodeKey], level: Int, rules: StoppingRules, denseFor: Set<NodeKey>) throws
        -> SmallSubtreeGrowth
    { SmallSubtreeGrowth() }
}
