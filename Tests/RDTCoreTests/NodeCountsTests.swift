import Testing

@testable import RDTCore

@Suite struct CountsFromBinsTests {
    /// A node's counts from its pixels' bins (what a cluster holder keeps at handoff) are the
    /// kernel's counts of the node, counter for counter.
    @Test func countsFromBinsAreTheKernelsCounts() throws {
        let frames = SyntheticFrame.make(count: 6, labels: 5, seed: 9)
        let p = TestSetup.parameters()
        let data = TestSetup.data(frames, parameters: p, trees: 2, labels: 5, smallNodePixels: 0)
        for tree in 0..<2 {
            let root = NodeKey(tree: tree, node: 0)
            let (bins, labels) = data.bins(of: root)
            #expect(!labels.isEmpty)
            let fromBins = NodeCounts(bins: bins, labels: labels, shape: data.shape).widened(count: data.shape.countsPerNode)
            #expect(fromBins == (try data.histograms(for: [root]))[0], "tree \(tree)")
        }
    }
}
