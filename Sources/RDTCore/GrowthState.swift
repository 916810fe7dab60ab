import Foundation

/// Growth state between levels: the trees so far and the open nodes with their label counts (nil
/// where not yet known, as for roots). Enough to checkpoint and resume.
public struct GrowthState: Sendable {
    public var level: Int
    public var trees: [DecisionTree]
    public var open: [NodeKey: [UInt32]?]

    public init(level: Int, trees: [DecisionTree], open: [NodeKey: [UInt32]?]) {
        self.level = level
        self.trees = trees
        self.open = open
    }

    public var finished: Bool { open.isEmpty }
}
