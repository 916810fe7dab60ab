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

    public init(parameters: TrainingParameters, candidates: [Candidates], labelCount: Int) {
        self.parameters = parameters
        self.candidates = candidates
        shape = HistogramShape(candidates: parameters.nUVs, bins: parameters.oddThresholds + 1, labels: labelCount)
    }

    /// The state before the first level: one empty tree per candidate set, each root open.
    public func initialState(labels: [LabelInfo], camera: Camera) -> GrowthState {
        let trees = candidates.indices.map { _ in
            DecisionTree(
                depth: parameters.maxDepth, labels: labels, verticalFOV: camera.verticalFOV,
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

    /// Grows every tree by one level: the plan, small subtrees, histograms derived from small
    /// siblings, then the counted batches (pipelined where the source is), each batch decided as
    /// it arrives; finally the source routes its pixels.
    public func growLevel(_ state: inout GrowthState, source: HistogramSource) throws {
        let start = DispatchTime.now().uptimeNanoseconds
        let level = state.level
        let rules = self.rules
        let evaluator = SplitEvaluator(shape: shape, rules: rules)
        var decided = LevelDecisions(
            level: level, openNodes: state.open.count, rules: rules, candidates: candidates,
            smallLimit: source.smallNodePixels, cacheBudget: parameters.histogramCacheMemory,
            keptElsewhereBytes: source.evaluates ? shape.countsPerNode * 4 : 0)
        var plan = LevelPlan.classify(
            open: state.open, grownAhead: state.grownAhead, level: level, rules: rules,
            smallLimit: source.smallNodePixels)
        for (key, totals) in plan.leaves { decided.leaf(key, totals, trees: &state.trees) }
        for (key, _) in plan.grownAhead { state.grownAhead[key] = nil }
        let needed = Set(plan.needs)

        // Small nodes: whole subtrees from the source's bins. The roots are decided now (after the
        // batches where the source overlaps), the nodes below wait for their level; a small node
        // whose large sibling needs a dense histogram and whose parent's is kept also gets its
        // dense histogram, for the sibling's subtraction.
        var ready = plan.grownAhead
        var smallDense: [NodeKey: CompactHistogram] = [:]
        let roots = Set(plan.small)
        // An evaluating source keeps the parents' histograms with its workers: a small root whose
        // large sibling is derived is counted there (from the bins it kept), in the sibling's batch.
        let smallPairs = plan.small.filter { $0.node > 0 && state.cache.contains($0.parent) && needed.contains($0.sibling) }
        // The roots' evaluations are returned, the nodes below kept for their levels.
        func absorb(_ grown: inout SmallSubtreeGrowth) -> [(NodeKey, NodeEvaluation)] {
            var rootEvaluations: [(NodeKey, NodeEvaluation)] = []
            for (key, e) in grown.evaluations {
                if roots.contains(key) { rootEvaluations.append((key, e)) } else { state.grownAhead[key] = e }
            }
            swap(&smallDense, &grown.dense)
            if costs != nil { for (l, c) in grown.costs { costs![l, default: LevelCost()].add(c) } }
            return rootEvaluations
        }
        // A source that overlaps grows them while the level's batches are counted (below).
        let overlapping = source.overlapsSmallSubtrees && !plan.small.isEmpty
        if overlapping {
            try source.startSmallSubtrees(plan.small, sizes: plan.smallPixels, level: level, rules: rules, denseFor: Set(smallPairs))
        } else if !plan.small.isEmpty {
            var grown = try source.growSmallSubtrees(
                plan.small, sizes: plan.smallPixels, level: level, rules: rules, denseFor: Set(smallPairs))
            ready += absorb(&grown)
        }
        ready.sort { $0.0 < $1.0 }
        for (key, e) in ready { decided.decide(key, e, hist: nil, trees: &state.trees) }

        // A large node whose small sibling's dense histogram came from its bins: parent - sibling,
        // derived and decided one per core at a time, so the level never holds them all at once.
        let fromSmall = plan.needs.filter { $0.node > 0 && smallDense[$0.sibling] != nil && state.cache.contains($0.parent) }
        let perRound = max(1, ProcessInfo.processInfo.activeProcessorCount)
        for start in stride(from: 0, to: fromSmall.count, by: perRound) {
            var items: [(NodeKey, [UInt32])] = []
            for key in fromSmall[start..<min(start + perRound, fromSmall.count)] {
                guard let sib = smallDense.removeValue(forKey: key.sibling), var hist = state.cache.take(key.parent) else { continue }
                sib.subtract(from: &hist)
                items.append((key, hist))
            }
            for ((key, hist), e) in zip(items, evaluator.evaluateAll(items, level: level)) {
                decided.decide(key, e, hist: hist, trees: &state.trees)
            }
        }
        smallDense = [:]
        let derivedFromSmall = Set(fromSmall)
        plan.needs.removeAll { derivedFromSmall.contains($0) }
        let smallCounted = source.evaluates ? smallPairs : []
        let siblingsOfSmall = Set(smallCounted.map(\.sibling))
        plan.needs.removeAll { siblingsOfSmall.contains($0) }

        // Counted and derived pairs; parents no pair will be derived from are let go before the
        // level's batches are counted.
        let cache = state.cache
        var (compute, derived) = LevelPlan.pairs(plan.needs, needed: needed, open: state.open, cached: cache.contains)
        for key in smallCounted { derived[key] = key.sibling }
        compute = smallCounted + compute
        state.cache.retain(Set(derived.keys.map(\.parent)))
        decided.record.histogramsComputed = compute.count - smallCounted.count
        decided.record.histogramsDerived = derived.count + fromSmall.count
        let batches = LevelPlan.batches(
            compute, derived: derived, nodeBytes: shape.countsPerNode * 4,
            memory: parameters.histogramMemory, pipelined: source.pipelined,
            prefetchDepth: source.prefetchDepth)
        let ahead = source.pipelined ? max(1, source.prefetchDepth) : 0
        var done = 0
        try source.startLevel(level, derived: derived)
        for batch in batches.prefix(ahead) { try source.prefetch(batch) }
        for (k, batch) in batches.enumerated() {
            if source.evaluates {
                // The source's workers summed and evaluated these nodes (and derived siblings).
                let evaluated = try source.evaluations(for: batch)
                if source.pipelined, k + ahead < batches.count { try source.prefetch(batches[k + ahead]) }
                // Small roots counted for their siblings were decided from their subtrees.
                let fresh = evaluated.filter { !roots.contains($0.0) }
                for (key, e) in fresh { decided.decide(key, e, hist: nil, trees: &state.trees) }
                try source.keep(Set(fresh.map(\.0)).intersection(decided.nextCache.keptElsewhere))
                done += fresh.count
                onBatch?(level, done, plan.needs.count + smallCounted.count)
                continue
            }
            let counting = CPUClock.process
            let hists = try source.histograms(for: batch)
            if source.pipelined, k + ahead < batches.count { try source.prefetch(batches[k + ahead]) }
            var items: [(NodeKey, [UInt32])] = []
            for (key, hist) in zip(batch, hists) {
                items.append((key, hist))
                if let other = derived[key], var sib = state.cache.take(key.parent) {
                    SplitEvaluator.subtract(hist, from: &sib)
                    items.append((other, sib))
                }
            }
            let choosing = CPUClock.process
            let evaluations = evaluator.evaluateAll(items, level: level)
            if costs != nil {
                costs![level, default: LevelCost()].countingCPU += choosing - counting
                costs![level, default: LevelCost()].choiceCPU += CPUClock.process - choosing
            }
            for (item, evaluation) in zip(items, evaluations) { decided.decide(item.0, evaluation, hist: item.1, trees: &state.trees) }
            done += batch.count + batch.filter { derived[$0] != nil }.count
            onBatch?(level, done, plan.needs.count + smallCounted.count)
        }
        if overlapping {
            var grown = try source.finishSmallSubtrees()
            for (key, e) in absorb(&grown).sorted(by: { $0.0 < $1.0 }) { decided.decide(key, e, hist: nil, trees: &state.trees) }
        }
        try source.apply(decided.decisions)
        state.cache = decided.nextCache
        state.open = decided.nextOpen
        state.level += 1
        onLevel?(decided.finished(seconds: Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9))
    }
}
