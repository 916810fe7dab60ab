import Testing

@testable import Coordinator

struct FramePlanTests {
    /// Every frame is held by exactly one of `workers`.
    func coversEveryFrameOnce(_ plan: FramePlan<Int>, _ workers: [Int]) -> Bool {
        let all = workers.flatMap { plan.ranges(of: $0).flatMap { Array($0) } }.sorted()
        return all == Array(0..<plan.frameCount)
    }

    @Test func firstPlanGivesEveryWorkerAShareWithinOneFrame() {
        var plan = FramePlan<Int>(frames: 160)
        #expect(plan.rebalance(live: [1, 2, 3]) == [1, 2, 3])
        #expect([1, 2, 3].map { plan.load(of: $0) } == [54, 53, 53])
        #expect(plan.ranges(of: 1) == [0..<54] && plan.ranges(of: 2) == [54..<107] && plan.ranges(of: 3) == [107..<160])
        #expect(coversEveryFrameOnce(plan, [1, 2, 3]))
        #expect(plan.rebalance(live: [1, 2, 3]).isEmpty, "nothing changed, nothing to do")
    }

    @Test func asManyWorkersAsFramesAreAllBusy() {
        for n in 1...12 {
            var plan = FramePlan<Int>(frames: 12)
            _ = plan.rebalance(live: Array(0..<n))
            let loads = (0..<n).map { plan.load(of: $0) }
            #expect(loads.allSatisfy { $0 > 0 } && loads.max()! - loads.min()! <= 1, "\(n) workers: \(loads)")
            #expect(coversEveryFrameOnce(plan, Array(0..<n)))
        }
        // More workers than frames: the extra ones hold nothing and are not told anything.
        var plan = FramePlan<Int>(frames: 2)
        #expect(plan.rebalance(live: [1, 2, 3]) == [1, 2])
        #expect(plan.load(of: 3) == 0)
    }

    @Test func aLostWorkersFramesGoToTheLiveOnesWhoKeepWhatTheyHad() {
        var plan = FramePlan<Int>(frames: 100)
        _ = plan.rebalance(live: [1, 2, 3, 4])
        let kept = [1, 2, 4].map { plan.ranges(of: $0) }
        let changed = plan.rebalance(live: [1, 2, 4])
        #expect(changed == [1, 2, 4] && !changed.contains(3))
        #expect([1, 2, 4].map { plan.load(of: $0) } == [34, 33, 33])
        for (w, before) in zip([1, 2, 4], kept) {
            let now = Set(plan.ranges(of: w).flatMap { Array($0) })
            #expect(Set(before.flatMap { Array($0) }).isSubset(of: now), "worker \(w) keeps its frames")
        }
        #expect(plan.load(of: 3) == 0 && coversEveryFrameOnce(plan, [1, 2, 4]))
    }

    @Test func aJoiningWorkerTakesOnlyTheTailsBeyondTheShares() {
        var plan = FramePlan<Int>(frames: 90)
        _ = plan.rebalance(live: [1, 2])
        #expect(plan.rebalance(live: [1, 2, 3]) == [1, 2, 3])
        #expect(plan.ranges(of: 1) == [0..<30] && plan.ranges(of: 2) == [45..<75])
        #expect(plan.ranges(of: 3) == [30..<45, 75..<90])
        #expect(coversEveryFrameOnce(plan, [1, 2, 3]))
    }

    @Test func theSameHistoryGivesTheSamePlan() {
        func run() -> [[Range<Int>]] {
            var plan = FramePlan<Int>(frames: 1_000)
            for live in [[1, 2, 3, 4, 5], [1, 3, 4, 5], [1, 3, 4, 5, 6, 7], [3, 6, 7], [3, 6, 7, 8]] {
                _ = plan.rebalance(live: live)
                #expect(coversEveryFrameOnce(plan, live))
                let loads = live.map { plan.load(of: $0) }
                #expect(loads.max()! - loads.min()! <= 1)
            }
            return (1...8).map { plan.ranges(of: $0) }
        }
        #expect(run() == run())
    }
}
