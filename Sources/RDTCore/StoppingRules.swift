/// When a node closes as a leaf without looking at its splits: at the last level, with one label, or
/// with fewer than `minSamples` pixels. A node whose best gain is not above `minGain` closes too.
public struct StoppingRules: Equatable, Sendable {
    public var maxDepth: Int
    public var minSamples: Int
    public var minGain: Double

    public init(_ p: TrainingParameters) {
        maxDepth = p.maxDepth
        minSamples = p.minSamples
        minGain = p.minGain
    }

    public func isLeafWithoutSplit(_ totals: [UInt32], level: Int) -> Bool {
        var n = 0, present = 0
        for t in totals {
            n += Int(t)
            if t > 0 { present += 1 }
        }
        return level >= maxDepth - 1 || present <= 1 || n < minSamples
    }

    /// Whether an evaluated node splits.
    public func splits(_ e: NodeEvaluation) -> Bool {
        guard let choice = e.choice, e.left != nil else { return false }
        return choice.gain > minGain
    }
}
