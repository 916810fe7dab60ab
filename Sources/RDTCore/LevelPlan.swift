/// How a level's open nodes get decided, worked out before anything is counted: pure functions of
/// the open nodes, what is cached and the budgets, so each step can be tested on its own.
struct LevelPlan {
    /// Nodes the stopping rules make leaves from their label counts alone, with those counts.
    var leaves: [(NodeKey, [UInt32])] = []
    /// Nodes whose evaluation was grown ahead with a small subtree at an earlier level.
    var grownAhead: [(NodeKey, NodeEvaluation)] = []
    /// Small nodes: the source grows their whole subtrees from precomputed bins.
    var small: [NodeKey] = []
    /// Each small node's pixel count (in `small`'s order).
    var smallPixels: [Int] = []
    /// Nodes that need a dense histogram (counted, or derived from a cached parent).
    var needs: [NodeKey] = []

    static func pixels(_ totals: [UInt32]) -> Int { totals.reduce(0) { $0 + Int($1) } }

    /// Sorts the open nodes (in node order) into the four kinds.
    static func classify(
        open: [NodeKey: [UInt32]?], grownAhead: [NodeKey: NodeEvaluation], level: Int,
        rules: StoppingRules, smallLimit: Int
    ) -> LevelPlan {
        var plan = LevelPlan()
        for key in open.keys.sorted() {
            let known = open[key] ?? nil
            if let totals = known, rules.isLeafWithoutSplit(totals, level: level) {
                plan.leaves.append((key, totals))
            } else if let e = grownAhead[key] {
                plan.grownAhead.append((key, e))
            } else if let totals = known, smallLimit > 0, pixels(totals) <= smallLimit {
                plan.small.append(key)
                plan.smallPixels.append(pixels(totals))
            } else {
                plan.needs.append(key)
            }
        }
        return plan
    }

    /// Of two siblings that both need dense histograms and whose parent's is cached, the smaller
    /// (fewer pixels; the left on a tie) is counted and the other derived. Returns the nodes to
    /// count, in order, and for each counted node the sibling derived from it.
    static func pairs(_ needs: [NodeKey], needed: Set<NodeKey>, open: [NodeKey: [UInt32]?], cached: (NodeKey) -> Bool)
        -> (compute: [NodeKey], derived: [NodeKey: NodeKey])
    {
        var compute: [NodeKey] = []
        var derived: [NodeKey: NodeKey] = [:]
        var planned = Set<NodeKey>()
        for key in needs where !planned.contains(key) {
            let sib = key.sibling
            if key.node > 0, cached(key.parent), needed.contains(sib) {
                let n = (open[key] ?? nil).map(pixels) ?? 0
                let m = (open[sib] ?? nil).map(pixels) ?? 0
                let (small, large) = (n < m || (n == m && key.isLeftChild)) ? (key, sib) : (sib, key)
                compute.append(small)
                derived[small] = large
                planned.insert(sib)
            } else {
                compute.append(key)
            }
            planned.insert(key)
        }
        return (compute, derived)
    }

    /// The nodes to count in batches under `memory` bytes (a derived sibling counts as a node of
    /// its batch). A pipelined source holds 1 + `prefetchDepth` batches at once, which share the
    /// budget, and gets at least 2 + 2 x depth batches where there are enough nodes, so counting
    /// batches overlaps deciding earlier ones.
    static func batches(
        _ compute: [NodeKey], derived: [NodeKey: NodeKey], nodeBytes: Int, memory: Int, pipelined: Bool,
        prefetchDepth: Int
    ) -> [[NodeKey]] {
        let ahead = pipelined ? max(1, prefetchDepth) : 0
        let budget = memory / (ahead + 1)
        let minBatches = 2 + 2 * ahead
        let maxNodes = pipelined ? max(1, (compute.count + minBatches - 1) / minBatches) : Int.max
        var batches: [[NodeKey]] = []
        var batch: [NodeKey] = []
        var batchBytes = 0
        for key in compute {
            let bytes = nodeBytes * (derived[key] == nil ? 1 : 2)
            if !batch.isEmpty && (batchBytes + bytes > budget || batch.count >= maxNodes) {
                batches.append(batch)
                batch = []
                batchBytes = 0
            }
            batch.append(key)
            batchBytes += bytes
        }
        if !batch.isEmpty { batches.append(batch) }
        return batches
    }
}
