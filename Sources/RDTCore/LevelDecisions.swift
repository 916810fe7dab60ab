/// What one level decides, node by node: the trees' new nodes, the decisions workers route pixels
/// by, the next level's open nodes and the histograms kept for its subtraction, and the level's
/// record.
struct LevelDecisions {
    let level: Int
    let rules: StoppingRules
    let candidates: [Candidates]
    /// Nodes with at most this many pixels are grown small (0: never).
    let smallLimit: Int
    var record: LevelRecord
    var decisions: [(NodeKey, NodeDecision)] = []
    var nextOpen: [NodeKey: [UInt32]?] = [:]
    var nextCache: HistogramCache
    var gains: [(NodeKey, Double)] = []
    /// Bytes of a dense histogram, where the source keeps them (0: they are kept here).
    let keptElsewhereBytes: Int

    init(
        level: Int, openNodes: Int, rules: StoppingRules, candidates: [Candidates], smallLimit: Int, cacheBudget: Int,
        keptElsewhereBytes: Int = 0
    ) {
        self.keptElsewhereBytes = keptElsewhereBytes
        self.level = level
        self.rules = rules
        self.candidates = candidates
        self.smallLimit = smallLimit
        record = LevelRecord(level: level)
        record.openNodes = openNodes
        nextCache = HistogramCache(budget: cacheBudget)
    }

    func isSmall(_ totals: [UInt32]) -> Bool { smallLimit > 0 && LevelPlan.pixels(totals) <= smallLimit }
    /// Whether a node of the next level will need a dense histogram, or be grown small.
    func needsDense(_ totals: [UInt32]) -> Bool { !rules.isLeafWithoutSplit(totals, level: level + 1) && !isSmall(totals) }
    func growsSmall(_ totals: [UInt32]) -> Bool { !rules.isLeafWithoutSplit(totals, level: level + 1) && isSmall(totals) }

    /// Makes `key` a leaf of its label counts.
    mutating func leaf(_ key: NodeKey, _ totals: [UInt32], trees: inout [DecisionTree]) {
        record.pixels += LevelPlan.pixels(totals)
        close(key, totals, trees: &trees)
    }

    private mutating func close(_ key: NodeKey, _ totals: [UInt32], trees: inout [DecisionTree]) {
        trees[key.tree].nodes[key.node] = .leaf(SplitSelection.probabilities(totals))
        decisions.append((key, .leaf))
        record.leaves += 1
    }

    /// Decides a node from its evaluation; its dense histogram, where it has one, is kept for
    /// subtraction when a child will need a dense one and its sibling will have one too (counted
    /// densely, or from its bins when it is grown small).
    mutating func decide(_ key: NodeKey, _ e: NodeEvaluation, hist: [UInt32]?, trees: inout [DecisionTree]) {
        record.pixels += LevelPlan.pixels(e.totals)
        guard !rules.isLeafWithoutSplit(e.totals, level: level), rules.splits(e), let choice = e.choice, let left = e.left
        else { return close(key, e.totals, trees: &trees) }
        let uv = candidates[key.tree].uvs[choice.candidate]
        let t = candidates[key.tree].thresholds[choice.threshold]
        trees[key.tree].nodes[key.node] = .split(uv: uv, thresholdMM: t)
        decisions.append((key, .split(uv: uv, thresholdMM: t)))
        record.splits += 1
        gains.append((key, choice.gain))
        let right = zip(e.totals, left).map { $0 &- $1 }
        nextOpen[NodeKey(tree: key.tree, node: 2 * key.node + 1)] = .some(left)
        nextOpen[NodeKey(tree: key.tree, node: 2 * key.node + 2)] = .some(right)
        // A large child is derived from its small sibling's dense histogram (from the sibling's
        // bins here, counted in the large child's batch by an evaluating source's workers).
        let fromSmall = (needsDense(left) && growsSmall(right)) || (growsSmall(left) && needsDense(right))
        guard (needsDense(left) && needsDense(right)) || fromSmall else { return }
        if let hist {
            nextCache.keep(hist, for: key)
        } else if keptElsewhereBytes > 0 {
            nextCache.keepElsewhere(key, size: keptElsewhereBytes)
        }
    }

    /// The level's record with its gains, summed in node order: the order nodes were decided in
    /// depends on batching and caching, and a floating-point sum must not.
    func finished(seconds: Double) -> LevelRecord {
        var r = record
        let ordered = gains.sorted { $0.0 < $1.0 }.map(\.1)
        r.maxGain = ordered.max() ?? 0
        r.meanGain = ordered.isEmpty ? 0 : ordered.reduce(0, +) / Double(ordered.count)
        r.seconds = seconds
        return r
    }
}
