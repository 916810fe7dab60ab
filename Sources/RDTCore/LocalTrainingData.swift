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
            let counts = computeCounts(tree: tree, ranges: ranges)
            for (i, c) in zip(indices, counts) { result[i] = c.widened(count: shape.countsPerNode) }
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

    /// Grows the subtrees under small nodes. Threads share one queue of node tasks and start a new
    /// root (largest first) only when no started subtree has a task left, so about one subtree per
    /// thread holds its bins at a time, and a thread never idles while any subtree has work.
    /// Which thread evaluated which node does not change any evaluation.
    public func growSmallSubtrees(_ roots: [NodeKey], level: Int, rules: StoppingRules, denseFor: Set<NodeKey>) throws
        -> SmallSubtreeGrowth
    {
        let sizes = roots.map { trees[$0.tree].range(of: $0.node).count }
        let order = roots.indices.sorted { sizes[$0] != sizes[$1] ? sizes[$0] > sizes[$1] : $0 < $1 }
        var results = SmallSubtreeGrowth()
        var tasks: [SmallSubtree.Task] = []
        var nextRoot = 0
        var running = 0
        let condition = NSCondition()
        let single = HistogramKernel(threads: 1, tile: kernel.tile)
        let largest = sizes.max() ?? 0
        let work = { (_: Int) in
            let scratch = SmallSubtree.Scratch(pixels: largest, bins: self.shape.bins, labels: self.shape.labels)
            defer { scratch.deallocate() }
            condition.lock()
            while true {
                var task = tasks.popLast()
                if task == nil, nextRoot < order.count {
                    let key = roots[order[nextRoot]]
                    nextRoot += 1
                    running += 1
                    condition.unlock()
                    let started = CPUClock.thread
                    let tree = self.trees[key.tree]
                    let subtree = tree.samples.withUnsafeBufferPointer { s in
                        SmallSubtree(
                            root: key, level: level, samples: s, range: tree.range(of: key.node),
                            frames: self.frames, candidates: self.candidates[key.tree],
                            binTable: self.binTables[key.tree], labelCount: self.shape.labels, rules: rules,
                            kernel: single)
                    }
                    let dense = denseFor.contains(key) ? subtree.denseHistogram() : nil
                    let binning = CPUClock.thread - started
                    condition.lock()
                    running -= 1
                    if let dense { results.dense[key] = dense }
                    results.costs[level, default: LevelCost()].smallBinsCPU += binning
                    task = subtree.rootTask
                    if task == nil {
                        condition.broadcast()
                        continue
                    }
                }
                guard let task else {
                    if running == 0 { break }
                    condition.wait()
                    continue
                }
                running += 1
                condition.unlock()
                let started = CPUClock.thread
                let (key, evaluation, children) = SmallSubtree.evaluate(task, scratch: scratch)
                let cpu = CPUClock.thread - started
                condition.lock()
                running -= 1
                results.evaluations.append((key, evaluation))
                results.costs[task.level, default: LevelCost()].smallNodesCPU += cpu
                results.costs[task.level, default: LevelCost()].smallNodes += 1
                tasks.append(contentsOf: children)
                condition.broadcast()
            }
            condition.broadcast()
            condition.unlock()
        }
        let threads = min(kernel.threads, max(1, roots.count * 2))
        if threads <= 1 { work(0) } else { DispatchQueue.concurrentPerform(iterations: threads, execute: work) }
        return results
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
