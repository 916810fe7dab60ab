import Testing

@testable import Coordinator

/// Small subtrees are shared out largest first to the least loaded worker.
@Suite struct HandoffTargetsTests {
    @Test func theLargestGoFirstToTheLeastLoadedWorker() {
        // 9 + 3 and 5 + 4 + 1 + 1 + 1: round robin would give 1 + 5 + 4 + 1 against 9 + 1 + 3.
        let sizes = [1, 9, 5, 1, 4, 3, 1]
        let targets = HandoffTargets.assign(sizes: sizes, workers: 2)
        var load = [0, 0]
        for (root, w) in targets.enumerated() { load[w] += sizes[root] }
        #expect(targets == [1, 0, 1, 1, 1, 0, 1], "\(targets)")
        #expect(load == [12, 12])
    }

    @Test func everyRootHasAWorkerAndTheSameInputsGiveTheSameTargets() {
        let sizes = (0..<40).map { ($0 * 7919) % 1000 }
        for workers in 1...5 {
            let a = HandoffTargets.assign(sizes: sizes, workers: workers)
            #expect(a.count == sizes.count && a.allSatisfy { (0..<workers).contains($0) })
            #expect(a == HandoffTargets.assign(sizes: sizes, workers: workers))
            var load = [Int](repeating: 0, count: workers)
            for (root, w) in a.enumerated() { load[w] += sizes[root] }
            // Largest-first greedy: no worker ends more than the largest root above another.
            #expect(load.max()! - load.min()! <= sizes.max()!)
        }
        #expect(HandoffTargets.assign(sizes: [3, 2], workers: 0).isEmpty)
    }
}
