import Testing

@testable import Coordinator

struct ShardPlanTests {
    let sizes = ["a": 40, "b": 30, "c": 20, "d": 10, "e": 10]

    @Test func firstPlanBalancesByFrames() {
        var plan = ShardPlan<Int>(sizes: sizes)
        #expect(plan.rebalance(live: [1, 2]) == [1, 2])
        #expect(plan.loads([1, 2]) == [60, 50])
        #expect(Set(plan.owner.keys) == Set(sizes.keys))
        // Nothing changed, nothing to do.
        #expect(plan.rebalance(live: [1, 2]).isEmpty)
    }

    @Test func aLostWorkersShardsGoToTheLiveOnesOnly() {
        var plan = ShardPlan<Int>(sizes: sizes)
        _ = plan.rebalance(live: [1, 2, 3])
        let kept1 = plan.shards(of: 1), kept2 = plan.shards(of: 2)
        let lost = plan.shards(of: 3)
        #expect(!lost.isEmpty)
        let changed = plan.rebalance(live: [1, 2])
        #expect(!changed.isEmpty && !changed.contains(3))
        #expect(plan.loads([1, 2]).reduce(0, +) == 110)
        // Survivors keep what they had.
        #expect(Set(kept1).isSubset(of: Set(plan.shards(of: 1))) && Set(kept2).isSubset(of: Set(plan.shards(of: 2))))
        #expect(plan.shards(of: 3).isEmpty)
    }

    @Test func aJoiningWorkerTakesShardsWhileThatHelps() {
        var plan = ShardPlan<Int>(sizes: sizes)
        _ = plan.rebalance(live: [1])
        #expect(plan.loads([1]) == [110])
        let changed = plan.rebalance(live: [1, 2])
        #expect(changed == [1, 2])
        let loads = plan.loads([1, 2])
        #expect(loads.reduce(0, +) == 110 && loads.max()! <= 60)
        // More workers than useful: extra ones stay idle, and planning stops.
        var many = ShardPlan<Int>(sizes: ["x": 5])
        _ = many.rebalance(live: [1, 2, 3])
        #expect(many.loads([1, 2, 3]).sorted() == [0, 0, 5])
        #expect(many.rebalance(live: [1, 2, 3]).isEmpty)
    }
}
