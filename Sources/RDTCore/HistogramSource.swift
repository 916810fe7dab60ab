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
    /// pixels alone (`sizes`: each root's pixel count, for sharing the work out) (see `SmallSubtree`); for the roots in `denseFor`, also their dense histograms
    /// (which their bins give for little more than a pass), so a large sibling can be derived. An
    /// evaluating source returns none: it keeps them for the batch that counts each root with its
    /// sibling.
    func growSmallSubtrees(_ roots: [NodeKey], sizes: [Int], level: Int, rules: StoppingRules, denseFor: Set<NodeKey>) throws
        -> SmallSubtreeGrowth

    /// Whether small subtrees can grow while the level's batches are counted: the grower then
    /// calls `startSmallSubtrees` before the batches and `finishSmallSubtrees` after them, never
    /// `growSmallSubtrees` (an evaluating source only: it needs no dense histograms back).
    var overlapsSmallSubtrees: Bool { get }
    /// Starts growing small subtrees as `growSmallSubtrees` would.
    func startSmallSubtrees(_ roots: [NodeKey], sizes: [Int], level: Int, rules: StoppingRules, denseFor: Set<NodeKey>) throws
    /// What the subtrees started last grew.
    func finishSmallSubtrees() throws -> SmallSubtreeGrowth

    /// Whether the source sums and evaluates histograms itself (a cluster whose workers reduce
    /// among themselves): the grower then asks `evaluations(for:)`, never `histograms(for:)`, and
    /// the source keeps the parent histograms for subtraction.
    var evaluates: Bool { get }
    /// The level about to be counted, before its first batch, and (what an evaluating source
    /// needs) each counted node whose sibling is derived from the parent's histogram, with that
    /// sibling.
    func startLevel(_ level: Int, derived: [NodeKey: NodeKey]) throws
    /// An evaluating source's evaluations of each node of the batch, each followed by its derived
    /// sibling where it has one.
    func evaluations(for nodes: [NodeKey]) throws -> [(NodeKey, NodeEvaluation)]
    /// After each batch is decided: of the nodes an evaluating source evaluated since the last
    /// call, those whose histograms it keeps for the next level's subtraction; the others' can go.
    func keep(_ nodes: Set<NodeKey>) throws
}

extension HistogramSource {
    public var pipelined: Bool { false }
    public func prefetch(_ nodes: [NodeKey]) throws {}
    public var prefetchDepth: Int { 1 }
    public var smallNodePixels: Int { 0 }
    public func growSmallSubtrees(_ roots: [NodeKey], sizes: [Int], level: Int, rules: StoppingRules, denseFor: Set<NodeKey>) throws
        -> SmallSubtreeGrowth
    { SmallSubtreeGrowth() }
    public var overlapsSmallSubtrees: Bool { false }
    public func startSmallSubtrees(_ roots: [NodeKey], sizes: [Int], level: Int, rules: StoppingRules, denseFor: Set<NodeKey>) throws {}
    public func finishSmallSubtrees() throws -> SmallSubtreeGrowth { SmallSubtreeGrowth() }
    public var evaluates: Bool { false }
    public func startLevel(_ level: Int, derived: [NodeKey: NodeKey]) throws {}
    public func evaluations(for nodes: [NodeKey]) throws -> [(NodeKey, NodeEvaluation)] { [] }
    public func keep(_ nodes: Set<NodeKey>) throws {}
}
