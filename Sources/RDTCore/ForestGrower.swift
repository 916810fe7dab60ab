import Foundation

/// Grows all trees of a forest breadth-first in one level loop: leaves where the
/// stopping rules say so, the best split from the summed histograms otherwise. The result depends
/// only on the histograms, never on where or in what order they were computed.
public final class ForestGrower {
    public let parameters: TrainingParameters
    public let candidates: [Candidates]
    public let shape: HistogramShape
    /// Called after each level with its statistics.
    public var onLevel: ((LevelRecord) -> Void)?
    /// Called after each node batch with (level, nodes done, nodes needing histograms at this level).
    public var onBatch: ((Int, Int, Int) -> Void)?
    /// CPU seconds by level, for benchmarks; nil (not measured) by default.
    public var costs: [Int: LevelCost]?
    /// Parent histograms kept for subtraction (sibling = parent - smaller child).
    private var cache: [NodeKey: [UInt32]] = [:]
    /// Evaluations of nodes below small nodes, grown whole at an earlier level, waiting for their
    /// level. Lost on a restart, where the same nodes are grown again to the same evaluations.
    private var subtrees: [NodeKey: NodeEvaluation] = [:]

    public init(parameters: TrainingParameters, candidates: [Candidates], labelCount: Int) {
        self.parameters = parameters
        self.candidates = candidates
        shape = HistogramShape(candidates: parameters.nUVs, bins: parameters.oddThresholds + 1, labels: labelCount)
    }

    /// The state before the first level: one empty tree per candidate set, each root open.
    public func initialState(labels: [LabelInfo], camera: Camera) -> GrowthState {
        let trees = candidates.indices.map { _ in
            DecisionTree(depth: parameters.maxDepth, labels: labels, verticalFOV: camera.verticalFOV,
                         backgroundDepthMM: parameters.backgroundDepthMM)
        }
        var open: [NodeKey: [UInt32]?] = [:]
        for t in trees.indices { open[NodeKey(tree: t, node: 0)] = .some(nil) }
        return GrowthState(level: 0, trees: trees, open: open)
    }

    /// Grows to completion.
    public func grow(labels: [LabelInfo], camera: Camera, source: HistogramSource) throws -> [DecisionTree] {
        var state = initialState(labels: labels, camera: camera)
        while !state.finished { try growLevel(&state, source: source) }
        return state.trees
    }

    var rules: StoppingRules { StoppingRules(parameters) }

    func isLeafWithoutSplit(_ totals: [UInt32], level: Int) -> Bool { rules.isLeafWithoutSplit(totals, level: level) }

    /// What a node's dense histogram says.
    func evaluate(_ hist: [UInt32], level: Int) -> NodeEvaluation {
        hist.withUnsafeBufferPointer { h in
            let totals = SplitSelection.totals(h.baseAddress!, shape: shape)
            if isLeafWithoutSplit(totals, level: level) { return NodeEvaluation(totals: totals, choice: nil, left: nil) }
            let choice = SplitSelection.best(h.baseAddress!, shape: shape, totals: totals)
            let left = choice.map { SplitSelection.leftTotals(h.baseAddress!, shape: shape, choice: $0) }
            return NodeEvaluation(totals: totals, choice: choice, left: left)
        }
    }

    /// sibling = parent - child: `parent` becomes the sibling's histogram.
    static func subtract(_ child: [UInt32], from parent: inout [UInt32]) {
        parent.withUnsafeMutableBufferPointer { p in
            child.withUnsafeBufferPointer { c in for i in 0..<p.count { p[i] &-= c[i] } }
        }
    }

    /// Split choice for each node of a batch in parallel (each a pure function of its histogram),
    /// returned in order, so nothing depends on the thread count.
    func evaluateAll(_ items: [(NodeKey, [UInt32])], level: Int) -> [NodeEvaluation] {
        var evaluations = [NodeEvaluation?](repeating: nil, count: items.count)
        let lock = NSLock()
        DispatchQueue.concurrentPerform(iterations: items.count) { i in
            let e = evaluate(items[i].1, level: level)
            lock.lock()
            evaluations[i] = e
            lock.unlock()
        }
        return evaluations.compactMap { $0 }
    }

    /// Grows every tree by one level.
    public func growLevel(_ state: inout GrowthState, source: HistogramSource) throws {
        let start = DispatchTime.now().uptimeNanoseconds
        let level = state.level
        let rules = self.rules
        var record = LevelRecord(level: level)
        record.openNodes = state.open.count
        var decisions: [(NodeKey, NodeDecision)] = []
        var nextOpen: [NodeKey: [UInt32]?] = [:]
        var nextCache: [NodeKey: [UInt32]] = [:]
        var cacheBytes = 0
        var gains: [(NodeKey, Double)] = []
        let smallLimit = source.smallNodePixels
        func pixels(_ totals: [UInt32]) -> Int { totals.reduce(0) { $0 + Int($1) } }
        /// Whether the source grows a node of these totals whole, from its bins.
        func isSmall(_ totals: [UInt32]) -> Bool { smallLimit > 0 && pixels(totals) <= smallLimit }
        /// Whether a node of the next level will need a dense histogram, or be grown small.
        func needsDense(_ totals: [UInt32]) -> Bool { !rules.isLeafWithoutSplit(totals, level: level + 1) && !isSmall(totals) }
        func growsSmall(_ totals: [UInt32]) -> Bool { !rules.isLeafWithoutSplit(totals, level: level + 1) && isSmall(totals) }

        func makeLeaf(_ key: NodeKey, _ totals: [UInt32]) {
            state.trees[key.tree].nodes[key.node] = .leaf(SplitSelection.probabilities(totals))
            decisions.append((key, .leaf))
            record.leaves += 1
        }

        /// Decides a node from its evaluation; its dense histogram, where it has one, may be kept
        /// for subtraction.
        func decide(_ key: NodeKey, _ e: NodeEvaluation, hist: [UInt32]?) {
            record.pixels += pixels(e.totals)
            guard !rules.isLeafWithoutSplit(e.totals, level: level), rules.splits(e), let choice = e.choice,
                  let left = e.left
            else { makeLeaf(key, e.totals); return }
            let uv = candidates[key.tree].uvs[choice.candidate]
            let t = candidates[key.tree].thresholds[choice.threshold]
            state.trees[key.tree].nodes[key.node] = .split(uv: uv, thresholdMM: t)
            decisions.append((key, .split(uv: uv, thresholdMM: t)))
            record.splits += 1
            gains.append((key, choice.gain))
            let right = zip(e.totals, left).map { $0 &- $1 }
            let l = NodeKey(tree: key.tree, node: 2 * key.node + 1), r = NodeKey(tree: key.tree, node: 2 * key.node + 2)
            nextOpen[l] = .some(left)
            nextOpen[r] = .some(right)
            // Keep this histogram for subtraction when a child will need a dense one and its sibling
            // will have one too: counted densely, or from its bins when it is grown small.
            let derivable = (needsDense(left) && (needsDense(right) || growsSmall(right))) || (growsSmall(left) && needsDense(right))
            if let hist, derivable, cacheBytes + hist.count * 4 <= parameters.histogramCacheMemory {
                nextCache[key] = hist
                cacheBytes += hist.count * 4
            }
        }

        // Nodes decided from their label counts alone, nodes of small subtrees evaluated at an
        // earlier level, small nodes, and nodes that need dense histograms.
        var needs: [NodeKey] = []
        var small: [NodeKey] = []
        var ready: [(NodeKey, NodeEvaluation)] = []
        for key in state.open.keys.sorted() {
            let known = state.open[key] ?? nil
            if let totals = known, isLeafWithoutSplit(totals, level: level) {
                record.pixels += pixels(totals)
                makeLeaf(key, totals)
            } else if let e = subtrees.removeValue(forKey: key) {
                ready.append((key, e))
            } else if let totals = known, isSmall(totals) {
                small.append(key)
            } else {
                needs.append(key)
            }
        }
        let needSet = Set(needs)
        var smallDense: [NodeKey: [UInt32]] = [:]
        if !small.isEmpty {
            let roots = Set(small)
            // A small node whose large sibling needs a dense histogram and whose parent's is kept.
            let denseFor = Set(small.filter { $0.node > 0 && cache[$0.parent] != nil && needSet.contains($0.sibling) })
            var grown = try source.growSmallSubtrees(small, level: level, rules: rules, denseFor: denseFor)
            for (key, e) in grown.evaluations {
                if roots.contains(key) { ready.append((key, e)) } else { subtrees[key] = e }
            }
            swap(&smallDense, &grown.dense)
            if costs != nil { for (l, c) in grown.costs { costs![l, default: LevelCost()].add(c) } }
        }
        ready.sort { $0.0 < $1.0 }
        for (key, e) in ready { decide(key, e, hist: nil) }

        // A large node whose small sibling's dense histogram came from its bins: parent - sibling.
        var fromSmall: [(NodeKey, [UInt32])] = []
        for key in needs where key.node > 0 {
            // Each histogram is let go as soon as it is used: these are 2000 x 50 x 32 counts each.
            // (A small sibling's histogram was asked for only where the parent's is kept.)
            guard let sib = smallDense.removeValue(forKey: key.sibling), var hist = cache.removeValue(forKey: key.parent)
            else { continue }
            Self.subtract(sib, from: &hist)
            fromSmall.append((key, hist))
        }
        smallDense = [:]
        if !fromSmall.isEmpty {
            let evaluations = evaluateAll(fromSmall, level: level)
            for ((key, hist), e) in zip(fromSmall, evaluations) { decide(key, e, hist: hist) }
        }
        let derivedFromSmall = Set(fromSmall.map(\.0))
        needs.removeAll { derivedFromSmall.contains($0) }

        // Of two siblings whose parent histogram is cached, compute the smaller; derive the other.
        var compute: [NodeKey] = []
        var derived: [NodeKey: NodeKey] = [:]  // computed node -> its derived sibling
        var planned = Set<NodeKey>()
        for key in needs where !planned.contains(key) {
            let sib = key.sibling
            if key.node > 0, cache[key.parent] != nil, needSet.contains(sib) {
                let n = (state.open[key] ?? nil).map(pixels) ?? 0
                let m = (state.open[sib] ?? nil).map(pixels) ?? 0
                let (small, large) = (n < m || (n == m && key.isLeftChild)) ? (key, sib) : (sib, key)
                compute.append(small)
                derived[small] = large
                planned.insert(sib)
            } else {
                compute.append(key)
            }
            planned.insert(key)
        }
        // Parents no pair will be derived from are let go before the level's batches are counted.
        let stillNeeded = Set(derived.keys.map(\.parent))
        cache = cache.filter { stillNeeded.contains($0.key) }
        record.histogramsComputed = compute.count
        record.histogramsDerived = derived.count + fromSmall.count
        // Batches under the memory budget (a derived sibling counts as a node of its batch); a
        // pipelined source holds 1 + prefetchDepth batches at once, which share the budget.
        let nodeBytes = shape.countsPerNode * 4
        let ahead = source.pipelined ? max(1, source.prefetchDepth) : 0
        // A pipelined source also gets at least 2 + 2 x depth batches per level where there are
        // enough nodes, so counting batches overlaps deciding earlier ones.
        let budget = parameters.histogramMemory / (ahead + 1)
        let minBatches = 2 + 2 * ahead
        let maxNodes = source.pipelined ? max(1, (compute.count + minBatches - 1) / minBatches) : Int.max
        var batches: [[NodeKey]] = []
        var batch: [NodeKey] = []
        var batchBytes = 0
        for key in compute {
            let bytes = nodeBytes * (derived[key] == nil ? 1 : 2)
            if !batch.isEmpty && (batchBytes + bytes > budget || batch.count >= maxNodes) {
                batches.append(batch)
                batch = []
                batchBytes = 0
            }
            batch.append(key)
            batchBytes += bytes
        }
        if !batch.isEmpty { batches.append(batch) }
        var done = 0
        for batch in batches.prefix(ahead) { try source.prefetch(batch) }
        for (k, batch) in batches.enumerated() {
            let counting = CPUClock.process
            let hists = try source.histograms(for: batch)
            if source.pipelined, k + ahead < batches.count { try source.prefetch(batches[k + ahead]) }
            var items: [(NodeKey, [UInt32])] = []
            for (key, hist) in zip(batch, hists) {
                items.append((key, hist))
                if let other = derived[key], var sib = cache.removeValue(forKey: key.parent) {
                    Self.subtract(hist, from: &sib)
                    items.append((other, sib))
                }
            }
            // Split choice per node in parallel (each a pure function of its histogram), then the
            // decisions in order, so nothing depends on the thread count.
            let choosing = CPUClock.process
            let evaluations = evaluateAll(items, level: level)
            if costs != nil {
                costs![level, default: LevelCost()].countingCPU += choosing - counting
                costs![level, default: LevelCost()].choiceCPU += CPUClock.process - choosing
            }
            for (item, evaluation) in zip(items, evaluations) { decide(item.0, evaluation, hist: item.1) }
            done += batch.count + batch.filter { derived[$0] != nil }.count
            onBatch?(level, done, needs.count)
        }
        try source.apply(decisions)
        cache = nextCache
        state.open = nextOpen
        state.level += 1
        // Summed in node order: the order nodes were decided in depends on batching and caching,
        // and a floating-point sum must not.
        let ordered = gains.sorted { $0.0 < $1.0 }.map(\.1)
        record.maxGain = ordered.max() ?? 0
        record.meanGain = ordered.isEmpty ? 0 : ordered.reduce(0, +) / Double(ordered.count)
        record.seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        onLevel?(record)
    }
}
