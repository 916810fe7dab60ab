import Foundation

/// Growth state between levels: the trees so far and the open nodes with their label counts (nil
/// where not yet known, as for roots): enough to checkpoint and resume. It also carries what
/// saves work at the next level and is never part of a checkpoint: parent histograms kept for
/// subtraction, and the evaluations of nodes grown ahead within small subtrees. A level that
/// starts over goes without them (`withoutCaches`).
public struct GrowthState: Sendable {
    public var level: Int
    public var trees: [DecisionTree]
    public var open: [NodeKey: [UInt32]?]
    public internal(set) var cache = HistogramCache(budget: 0)
    var grownAhead: [NodeKey: NodeEvaluation] = [:]

    public init(level: Int, trees: [DecisionTree], open: [NodeKey: [UInt32]?]) {
        self.level = level
        self.trees = trees
        self.open = open
    }

    public var finished: Bool { open.isEmpty }

    /// This state without the histograms and evaluations kept for the next level: what to keep
    /// as the state to start a level over from. (A copy that kept them would make the level copy
    /// each kept histogram it uses.)
    public var withoutCaches: GrowthState { GrowthState(level: level, trees: trees, open: open) }
}
