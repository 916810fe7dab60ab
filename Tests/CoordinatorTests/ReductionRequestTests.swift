import RDTCore
import Testing

@testable import Coordinator

@Suite struct ReductionRequestTests {
    let a: PeerIdentity = [1], b: PeerIdentity = [2], c: PeerIdentity = [3]
    let n1 = NodeKey(tree: 0, node: 1), n2 = NodeKey(tree: 0, node: 2), m3 = NodeKey(tree: 1, node: 3)

    @Test func candidatesAreCutEvenlyAmongTheOwnersAndItemsDealtRoundRobin() {
        let r = ReductionRequest(batch: [n1, m3], derived: [n1: n2], canDerive: true, holders: [a, b, c], candidates: 10)
        #expect(r.nodes == [n1, m3] && r.derive == [true, false])
        #expect(r.items == [n1, n2, m3])
        #expect(r.owners == [a, b, c] && r.ranges == [0..<3, 3..<6, 6..<10])
        #expect((0..<3).map(r.finisher(of:)) == [0, 1, 2] && r.items(of: 1) == [1])
        #expect(r.finishers == [a, b, c])
    }

    @Test func withoutKeptSlicesTheSiblingIsCountedAndTheItemsStayTheSame() {
        let r = ReductionRequest(batch: [n1], derived: [n1: n2], canDerive: false, holders: [a, b], candidates: 4)
        #expect(r.nodes == [n1, n2] && r.derive == [false, false])
        #expect(r.items == [n1, n2])
    }

    @Test func moreHoldersThanCandidatesOrItemsLeaveSomeIdle() {
        let r = ReductionRequest(batch: [n1], derived: [:], canDerive: true, holders: [a, b, c], candidates: 2)
        #expect(r.owners == [a, b] && r.ranges == [0..<1, 1..<2])
        #expect(r.finishers == [a], "one item: one finisher answers")
    }
}
