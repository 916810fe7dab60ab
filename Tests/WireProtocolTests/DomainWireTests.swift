import Foundation
import RDTCore
import Testing
import WireProtocol

/// Domain values through their wire messages and back, and what arrives malformed.
@Suite struct DomainWireTests {
    @Test func candidatesRoundTripAndBadOffsetsAreRefused() throws {
        var p = TrainingParameters()
        p.nUVs = 3
        p.nThresholds = 2
        let c = Candidates(
            uvs: [SIMD4(1, -2, 3.5, 0), SIMD4(0, 0, 0, 0), SIMD4(-9_999, 9_999, 1e-3, -1e-3)],
            thresholds: [-100, 0, 100])
        let wire = Canopy_Wire_TreeCandidates(c)
        #expect(try wire.candidates(p) == c)
        var bad = wire
        bad.uvs[0..<4] = Data(withUnsafeBytes(of: Float.nan.bitPattern.littleEndian, Array.init))
        #expect(throws: WireError.self) { try bad.candidates(p) }
        var unsorted = wire
        unsorted.thresholds = [100, 0, -100]
        #expect(throws: WireError.self) { try unsorted.candidates(p) }
        p.nUVs = 4
        #expect(throws: WireError.self) { try wire.candidates(p) }
    }

    @Test func decisionsRoundTripWithinTheForest() throws {
        let split = NodeDecision.split(uv: SIMD4(0.5, -0.25, 1, 2), thresholdMM: -37)
        let key = NodeKey(tree: 1, node: 6)
        let (k, d) = try Canopy_Wire_Decision(key, split).decision(trees: 2, maxNode: 7)
        #expect(k == key && d == split)
        #expect(try Canopy_Wire_Decision(key, .leaf).decision(trees: 2, maxNode: 7).1 == .leaf)
        #expect(throws: WireError.self) { try Canopy_Wire_Decision(key, split).decision(trees: 1, maxNode: 7) }
        #expect(throws: WireError.self) { try Canopy_Wire_Decision(key, split).decision(trees: 2, maxNode: 6) }
        let far = NodeDecision.split(uv: SIMD4(20_000, 0, 0, 0), thresholdMM: 1)
        #expect(throws: WireError.self) { try Canopy_Wire_Decision(key, far).decision(trees: 2, maxNode: 7) }
    }

    @Test func frameUsesAndNodeRefsRoundTrip() throws {
        let uses = [(tree: 0, position: 4), (tree: 2, position: 0)]
        let back = try Canopy_Wire_FrameAssignment(id: 99, uses: uses).frameUses(trees: 3)
        #expect(back.map(\.tree) == [0, 2] && back.map(\.position) == [4, 0])
        #expect(throws: WireError.self) { try Canopy_Wire_FrameAssignment(id: 99, uses: uses).frameUses(trees: 2) }
        #expect(Canopy_Wire_NodeRef(NodeKey(tree: 3, node: 1000)).key == NodeKey(tree: 3, node: 1000))
    }

    @Test func routesCarryEveryDecidedNodeParentsFirst() throws {
        var tree = DecisionTree(depth: 3, labels: [], verticalFOV: 1)
        tree.nodes[0] = .split(uv: SIMD4(1, 2, 3, 4), thresholdMM: 5)
        tree.nodes[1] = .leaf([1])
        tree.nodes[2] = .split(uv: SIMD4(-1, 0, 0, 1), thresholdMM: -5)
        let empty = DecisionTree(depth: 3, labels: [], verticalFOV: 1)
        let routes = try RouteWire.routes([empty, tree])
        #expect(routes.count == 1 && routes[0].info.tree == 1 && routes[0].info.decisions == 3)
        let back = try RouteWire.decisions(routes.map(\.info), frames: routes.map(\.frame), trees: 2, maxNode: 7)
        #expect(back.map(\.0) == [0, 1, 2].map { NodeKey(tree: 1, node: $0) })
        #expect(back.map(\.1) == tree.decisions.map(\.decision))
        #expect(throws: WireError.self) { try RouteWire.decisions(routes.map(\.info), frames: [], trees: 2, maxNode: 7) }
        #expect(throws: WireError.self) { try RouteWire.decisions(routes.map(\.info), frames: routes.map(\.frame), trees: 1, maxNode: 7) }
    }
}
