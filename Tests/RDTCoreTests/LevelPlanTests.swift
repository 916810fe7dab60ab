import Testing

@testable import RDTCore

/// The level plan's pure steps: which nodes are leaves, small, grown ahead or counted; which of
/// two siblings is counted; how batches fill the budget.
@Suite struct LevelPlanTests {
    func key(_ node: Int) -> NodeKey { NodeKey(tree: 0, node: node) }

    @Test func openNodesAreSortedIntoTheirKinds() {
        var p = TrainingParameters()
        p.maxDepth = 10
        p.minSamples = 5
        let rules = StoppingRules(p)
        let open: [NodeKey: [UInt32]?] = [
            key(1): .some([3, 0]),  // one label: a leaf
            key(2): .some([2, 1]),  // under min_samples: a leaf
            key(3): .some([40, 40]),  // small
            key(4): .some([400, 400]),  // dense
            key(5): .some([9, 9]),  // grown ahead
            key(0): Optional<[UInt32]>.none,  // unknown counts (a root): dense
        ]
        let ahead = [key(5): NodeEvaluation(totals: [9, 9], choice: nil, left: nil)]
        let plan = LevelPlan.classify(open: open, grownAhead: ahead, level: 2, rules: rules, smallLimit: 100)
        #expect(plan.leaves.map(\.0) == [key(1), key(2)])
        #expect(plan.grownAhead.map(\.0) == [key(5)])
        #expect(plan.small == [key(3)] && plan.smallPixels == [80], "each small node with its pixel count")
        #expect(plan.needs == [key(0), key(4)])
        let noSmall = LevelPlan.classify(open: open, grownAhead: [:], level: 2, rules: rules, smallLimit: 0)
        #expect(noSmall.small.isEmpty && noSmall.needs == [key(0), key(3), key(4), key(5)])
        #expect(
            LevelPlan.classify(open: open, grownAhead: [:], level: 9, rules: rules, smallLimit: 0).leaves.count == 5,
            "the last level closes every node it knows the counts of")
    }

    @Test func theSmallerSiblingIsCountedAndTheOtherDerived() {
        let open: [NodeKey: [UInt32]?] = [
            key(3): .some([10, 10]), key(4): .some([5, 5]), key(5): .some([7, 7]),
            key(6): .some([7, 7]), key(7): .some([1, 1]),
        ]
        let needs = [key(3), key(4), key(5), key(6), key(7)]
        let cachedParents: Set<NodeKey> = [key(1), key(2)]
        let (compute, derived) = LevelPlan.pairs(needs, needed: Set(needs), open: open, cached: cachedParents.contains)
        #expect(compute == [key(4), key(5), key(7)], "4 has fewer pixels than 3; 5 and 6 tie: the left; 7's parent is not cached")
        #expect(derived == [key(4): key(3), key(5): key(6)])
    }

    @Test func batchesFillTheBudgetAndAPipelinedSourceGetsSeveral() {
        let compute = (1...10).map(key)
        let derived = [key(1): key(11)]
        let serial = LevelPlan.batches(compute, derived: derived, nodeBytes: 100, memory: 450, pipelined: false, prefetchDepth: 0)
        #expect(serial.map(\.count) == [3, 4, 3], "the first batch holds a derived pair (2 nodes' bytes)")
        let pipelined = LevelPlan.batches(compute, derived: [:], nodeBytes: 100, memory: 10_000, pipelined: true, prefetchDepth: 2)
        // 1 + 2 batches share the budget; at least 2 + 2 x 2 = 6 batches: at most 2 nodes each.
        #expect(pipelined.map(\.count) == [2, 2, 2, 2, 2])
        #expect(pipelined.flatMap { $0 } == compute)
    }
}
