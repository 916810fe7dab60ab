import Foundation

/// What a node's dense histogram says: its label totals and, unless the stopping rules make it a
/// leaf outright, its best split. A pure function of the histogram, or of a slice of its
/// candidates: the best of the slices' evaluations (`combine`) is the whole histogram's, to the bit.
public struct SplitEvaluator: Sendable {
    public let shape: HistogramShape
    public let rules: StoppingRules

    public init(shape: HistogramShape, rules: StoppingRules) {
        self.shape = shape
        self.rules = rules
    }

    public func evaluate(_ hist: [UInt32], level: Int) -> NodeEvaluation {
        hist.withUnsafeBufferPointer { evaluate(slice: $0.baseAddress!, candidates: 0..<shape.candidates, level: level) }
    }

    /// The evaluation of candidates `range` alone, from their counts (`range.count` x bins x labels,
    /// as they sit in the node's histogram); the choice's candidate is the node's index.
    public func evaluate(slice: UnsafePointer<UInt32>, candidates range: Range<Int>, level: Int) -> NodeEvaluation {
        let part = HistogramShape(candidates: range.count, bins: shape.bins, labels: shape.labels)
        let totals = SplitSelection.totals(slice, shape: part)
        if rules.isLeafWithoutSplit(totals, level: level) || range.isEmpty {
            return NodeEvaluation(totals: totals, choice: nil, left: nil)
        }
        guard var choice = SplitSelection.best(slice, shape: part, totals: totals) else {
            return NodeEvaluation(totals: totals, choice: nil, left: nil)
        }
        let left = SplitSelection.leftTotals(slice, shape: part, choice: choice)
        choice.candidate += range.lowerBound
        return NodeEvaluation(totals: totals, choice: choice, left: left)
    }

    /// The node's evaluation from its candidate slices' evaluations, given in candidate order: the
    /// highest gain, the earliest slice on a tie (as one scan over every candidate would choose).
    public static func combine(_ parts: [NodeEvaluation]) -> NodeEvaluation? {
        guard var best = parts.first else { return nil }
        for p in parts.dropFirst() {
            guard let c = p.choice else { continue }
            if best.choice.map({ c.gain > $0.gain }) ?? true {
                best.choice = c
                best.left = p.left
            }
        }
        return best
    }

    /// Every item evaluated in parallel, returned in order, so nothing depends on the thread count.
    public func evaluateAll(_ items: [(NodeKey, [UInt32])], level: Int) -> [NodeEvaluation] {
        evaluateAll(items.map(\.1), candidates: 0..<shape.candidates, level: level)
    }

    /// Every slice (candidates `range` of a node) evaluated in parallel, returned in order.
    public func evaluateAll(_ slices: [[UInt32]], candidates range: Range<Int>, level: Int) -> [NodeEvaluation] {
        var evaluations = [NodeEvaluation?](repeating: nil, count: slices.count)
        let lock = NSLock()
        DispatchQueue.concurrentPerform(iterations: slices.count) { i in
            let e = slices[i].withUnsafeBufferPointer { evaluate(slice: $0.baseAddress!, candidates: range, level: level) }
            lock.lock()
            evaluations[i] = e
            lock.unlock()
        }
        return evaluations.compactMap { $0 }
    }

    /// sibling = parent - child: `parent` becomes the sibling's histogram.
    public static func subtract(_ child: [UInt32], from parent: inout [UInt32]) {
        parent.withUnsafeMutableBufferPointer { p in
            child.withUnsafeBufferPointer { c in for i in 0..<p.count { p[i] &-= c[i] } }
        }
    }
}
