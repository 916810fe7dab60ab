/// What the grower needs to decide a node: its label totals, its best split (nil where no split
/// separates its pixels) and, for that split, the left side's label totals.
public struct NodeEvaluation: Equatable, Sendable {
    public var totals: [UInt32]
    public var choice: SplitChoice?
    public var left: [UInt32]?

    public init(totals: [UInt32], choice: SplitChoice?, left: [UInt32]?) {
        self.totals = totals
        self.choice = choice
        self.left = left
    }
}
