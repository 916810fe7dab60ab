import Foundation

/// Training data held in one process: frames, each tree's pixel samples and candidates. It is the
/// single-process `HistogramSource` and what each worker computes its share with.
public final class LocalTrainingData: HistogramSource {
    public private(set) var frames: FrameStore
    public private(set) var trees: [TreeSamples]
    public let candidates: [Candidates]
    public let shape: HistogramShape
    public var kernel: HistogramKernel
    let binTables: [BinTable]
    let parameters: TrainingParameters
    private var pending: [[PixelSample]]

    /// Nodes with at most this many pixels grow their whole subtree from precomputed bins
    /// (`SmallSubtree`), one subtree per thread at a time, each holding pixels x candidates bytes.
    public var smallNodePixels: Int

    /// Bytes of precomputed bins each thread may hold for a small subtree, by default.
    public static let defaultSmallNodeMemory = 64 << 20

    public init(
        parameters: TrainingParameters, candidates: [Candidates], labelCount: Int,
        kernel: HistogramKernel = HistogramKernel(), smallNodeMemory: Int = defaultSmallNodeMemory
    ) {
        smallNodePixels = max(0, smallNodeMemory / max(1, parameters.nUVs))
        self.parameters = parameters
        self.candidates = candidates
        self.kernel = kernel
        shape = HistogramShape(candidates: parameters.nUVs, bins: parameters.oddThresholds + 1, labels: labelCount)
        frames = FrameStore(backgroundDepth: UInt16(parameters.backgroundDepthMM))
        binTables = candidates.map(\.binTable)
        pending = Array(repeating: [], count: candidates.count)
        trees = []
    }

    /// Adds one cropped frame and samples its pixels for each (tree, index position) that uses it.
    public func addFrame(
        depth: [UInt16], labels: [UInt8], width: Int, height: Int, originX: Int, originY: Int,
        uses: [(tree: Int, position: Int)]
    ) {
        let slot = frames.append(depth: depth, width: width, height: height, originX: originX, originY: originY)
        depth.withUnsafeBufferPointer { d in
            labels.withUnsafeBufferPointer { l in
                for use in uses {
                    PixelSampler.sample(
                        depth: d, labels: l, width: width, height: height, originX: originX,
                        originY: originY, backgroundDepth: UInt16(parameters.backgroundDepthMM),
                        seed: parameters.seed, tree: use.tree, position: use.position,
                        count: parameters.nPixels, frame: UInt32(slot), into: &pending[use.tree])
                }
            }
        }
    }

    /// Ends loading: every tree's samples start in its root.
    public func finishLoading() {
        trees = pending.map { TreeSamples(samples: $0) }
        pending = []
    }

    public var sampleCount: Int { trees.reduce(0) { $0 + $1.samples.count } }

    /// Histograms for nodes, counted in UInt16 where a node's pixels allow, returned widened.
    public func histograms(for nodes: [NodeKey]) throws -> [[UInt32]] {
        var result = [[UInt32]](repeating: [], count: nodes.count)
        let byTree = Dictionary(grouping: nodes.indices, by: { nodes[$0].tree })
        for tree in byTree.keys.sorted() {
            let indices = byTree[tree]!
            let ranges = indices.map { trees[tree].range(of: nodes[$0].node) }
            // Each node's raw counts go as soon as they are widened: a batch never holds both in full.
            var counts = computeCounts(tree: tree, ranges: ranges)
            for i in indices.reversed() { result[i] = counts.removeLast().widened(count: shape.countsPerNode) }
        }
        return result
    }

    /// Raw per-node counts for one tree's node ranges, in the narrowest width each node allows.
    public func computeCounts(tree: Int, ranges: [Range<Int>]) -> [NodeCounts] {
        let counts = ranges.map { NodeCounts(count: shape.countsPerNode, narrow: HistogramShape.fitsUInt16(pixels: $0.count)) }
        let outputs = counts.map(\.output)
        trees[tree].samples.withUnsafeBufferPointer { s in
            kernel.accumulate(
                samples: s, nodes: ranges, outputs: outputs, frames: frames, candidates: candidates[tree],
                binTable: binTables[tree], shape: shape)
        }
        return counts
    }

    /// Grows the subtrees under small nodes from their pixels' bins (`SmallSubtree.growAll`).
    public func growSmallSubtrees(_ roots: [NodeKey], sizes: [Int], level: Int, rules: StoppingRules, denseFor: Set<NodeKey>) throws
        -> SmallSubtreeGrowth
    {
        let single = kernel.singleThreaded
        return SmallSubtree.growAll(
            roots.count, sizes: sizes, level: level, threads: kernel.threads,
            scratch: shape
        ) { i in
            let key = roots[i]
            let tree = self.trees[key.tree]
            let subtree = tree.samples.withUnsafeBufferPointer { s in
                SmallSubtree(
                    root: key, level: level, samples: s, range: tree.range(of: key.node), frames: self.frames,
                    candidates: self.candidates[key.tree], binTable: self.binTables[key.tree], labelCount: self.shape.labels,
                    rules: rules, kernel: single)
            }
            return (subtree, denseFor.contains(key))
        }
    }

    /// This process's pixels of `root` as bins (bins[c * m + i] for its m pixels) and labels: what
    /// a cluster's holder hands the worker that grows the subtree.
    public func bins(of root: NodeKey) -> (bins: [UInt8], labels: [UInt8]) {
        let tree = trees[root.tree]
        let range = tree.range(of: root.node)
        let C = candidates[root.tree].count
        let single = kernel.singleThreaded
        let bins = [UInt8](unsafeUninitializedCapacity: max(1, range.count * C)) { out, count in
            if !range.isEmpty {
                tree.samples.withUnsafeBufferPointer { s in
                    single.bins(
                        out.baseAddress!, samples: s, range: range, frames: frames, candidates: candidates[root.tree],
                        binTable: binTables[root.tree])
                }
            }
            count = range.count * C
        }
        return (bins, tree.samples[range].map(\.label))
    }

    public func apply(_ decisions: [(NodeKey, NodeDecision)]) throws {
        for (key, decision) in decisions {
            switch decision {
            case let .split(uv, t): trees[key.tree].split(node: key.node, uv: uv, thresholdMM: t, frames: frames)
            case .leaf: trees[key.tree].close(node: key.node)
            }
        }
    }
}
