import Foundation

/// What a node's dense histogram says: its label totals and, unless the stopping rules make it a
/// leaf outright, its best split. A pure function of the histogram.
struct SplitEvaluator {
    let shape: HistogramShape
    let rules: StoppingRules

    func evaluate(_ hist: [UInt32], level: Int) -> NodeEvaluation {
        hist.withUnsafeBufferPointer { h in
            let totals = SplitSelection.totals(h.baseAddress!, shape: shape)
            if rules.isLeafWithoutSplit(totals, level: level) { return NodeEvaluation(totals: totals, choice: nil, left: nil) }
            let choice = SplitSelection.best(h.baseAddress!, shape: shape, totals: totals)
            let left = choice.map { SplitSelection.leftTotals(h.baseAddress!, shape: shape, choice: $0) }
            return NodeEvaluation(totals: totals, choice: choice, left: left)
        }
    }

    /// Every item evaluated in parallel, returned in order, so nothing depends on the thread count.
    func evaluateAll(_ items: [(NodeKey, [UInt32])], level: Int) -> [NodeEvaluation] {
        var evaluations = [NodeEvaluation?](repeating: nil, count: items.count)
        let lock = NSLock()
        DispatchQueue.concurrentPerform(iterations: items.count) { i in
            let e = evaluate(items[i].1, level: level)
            lock.lock()
            evaluations[i] = e
            lock.unlock()
        }
        return evaluations.compactMap { $0 }
    }

    /// sibling = parent - child: `parent` becomes the sibling's histogram.
    static func subtract(_ child: [UInt32], from parent: inout [UInt32]) {
        parent.withUnsafeMutableBufferPointer { p in
            child.withUnsafeBufferPointer { c in for i in 0..<p.count { p[i] &-= c[i] } }
        }
    }
}
