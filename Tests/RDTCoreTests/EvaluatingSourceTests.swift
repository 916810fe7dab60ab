import Testing

@testable import RDTCore

/// An evaluating source in one process, as a cluster's workers do it: the candidates are cut into
/// `owners` slices, each evaluated on its own and combined; parent histograms stay here and
/// derived siblings are subtracted here, as the grower plans them.
final class SlicedSource: HistogramSource {
    let data: LocalTrainingData
    let owners: Int
    let evaluator: SplitEvaluator
    var level = 0
    var derived: [NodeKey: NodeKey] = [:]
    /// The last level's kept histograms, this level's kept so far, and those not yet settled.
    var kept: [NodeKey: [UInt32]] = [:]
    var nextKept: [NodeKey: [UInt32]] = [:]
    var summed: [NodeKey: [UInt32]] = [:]
    var violations: [String] = []
    var derivedCount = 0

    init(_ data: LocalTrainingData, owners: Int, rules: StoppingRules) {
        self.data = data
        self.owners = owners
        evaluator = SplitEvaluator(shape: data.shape, rules: rules)
    }

    var evaluates: Bool { true }
    /// Small subtrees as a cluster grows them: from bins; the dense histograms of `denseFor` stay
    /// here (as the workers keep their counts) for the batch that counts each root with its large
    /// sibling, and none goes back to the grower.
    var smallNodePixels: Int { data.smallNodePixels }
    var smallRoots = Set<NodeKey>()
    var precounted: [NodeKey: [UInt32]] = [:]
    var derivedFromSmall = 0
    /// Whether the grower starts the subtrees before the batches and finishes them after (grown
    /// here at the start, handed over at the finish).
    var overlap = false
    var started: SmallSubtreeGrowth?
    var overlapsSmallSubtrees: Bool { overlap }
    func startSmallSubtrees(_ roots: [NodeKey], sizes: [Int], level: Int, rules: StoppingRules, denseFor: Set<NodeKey>) throws {
        if started != nil { violations.append("subtrees started twice") }
        started = try growSmallSubtrees(roots, sizes: sizes, level: level, rules: rules, denseFor: denseFor)
    }
    func finishSmallSubtrees() throws -> SmallSubtreeGrowth {
        defer { started = nil }
        guard let started else {
            violations.append("subtrees finished but never started")
            return SmallSubtreeGrowth()
        }
        return started
    }
    func growSmallSubtrees(_ roots: [NodeKey], sizes: [Int], level: Int, rules: StoppingRules, denseFor: Set<NodeKey>) throws
        -> SmallSubtreeGrowth
    {
        smallRoots.formUnion(roots)
        var grown = try data.growSmallSubtrees(roots, sizes: sizes, level: level, rules: rules, denseFor: denseFor)
        for (key, hist) in grown.dense { precounted[key] = hist.counts }
        grown.dense = [:]
        return grown
    }

    func startLevel(_ level: Int, derived: [NodeKey: NodeKey]) throws {
        self.level = level
        self.derived = derived
    }

    func sliced(_ hist: [UInt32]) -> NodeEvaluation {
        let shape = data.shape
        let cuts = (0...owners).map { $0 * shape.candidates / owners }
        let parts = (0..<owners).map { k in
            hist.withUnsafeBufferPointer {
                evaluator.evaluate(
                    slice: $0.baseAddress! + cuts[k] * shape.countsPerCandidate, candidates: cuts[k]..<cuts[k + 1], level: level)
            }
        }
        return SplitEvaluator.combine(parts)!
    }

    func evaluations(for nodes: [NodeKey]) throws -> [(NodeKey, NodeEvaluation)] {
        var out: [(NodeKey, NodeEvaluation)] = []
        let counted = try data.histograms(for: nodes.filter { precounted[$0] == nil })
        var next = counted.makeIterator()
        let hists = nodes.map { precounted.removeValue(forKey: $0) ?? next.next()! }
        for (key, hist) in zip(nodes, hists) {
            summed[key] = hist
            out.append((key, sliced(hist)))
            guard let sibling = derived[key] else { continue }
            guard var parent = kept.removeValue(forKey: key.parent) else {
                violations.append("no kept histogram for \(key.parent)")
                continue
            }
            SplitEvaluator.subtract(hist, from: &parent)
            summed[sibling] = parent
            out.append((sibling, sliced(parent)))
            derivedCount += 1
            if smallRoots.contains(key) { derivedFromSmall += 1 }
        }
        return out
    }

    func keep(_ nodes: Set<NodeKey>) throws {
        for n in nodes where summed[n] == nil { violations.append("asked to keep \(n), not in the last batch") }
        nextKept.merge(summed.filter { nodes.contains($0.key) }) { a, _ in a }
        summed = [:]
        maxHeld = max(maxHeld, nextKept.count)
    }

    /// The most histograms held for the next level at once.
    var maxHeld = 0

    func histograms(for nodes: [NodeKey]) throws -> [[UInt32]] {
        violations.append("histograms(for:) asked of an evaluating source")
        return try data.histograms(for: nodes)
    }

    func apply(_ decisions: [(NodeKey, NodeDecision)]) throws {
        if !summed.isEmpty { violations.append("\(summed.count) evaluated nodes never settled") }
        if !precounted.isEmpty { violations.append("\(precounted.count) dense histograms of small roots never used") }
        kept = nextKept
        nextKept = [:]
        try data.apply(decisions)
    }
}

@Suite struct EvaluatingSourceTests {
    /// Sliced evaluation with subtraction where the source keeps the parents: the same forest as
    /// one process, for any number of owners, with and without the cache.
    @Test(arguments: [1, 2, 3, 7])
    func slicedEvaluationGrowsTheSameForest(owners: Int) throws {
        let (frames, p, expected) = try TestSetup.depth8Baseline(seed: 31)
        for cache in [p.histogramCacheMemory, 0] {
            var q = p
            q.histogramCacheMemory = cache
            let source = SlicedSource(
                TestSetup.data(frames, parameters: q, trees: 2, labels: 6, smallNodePixels: 0), owners: owners,
                rules: StoppingRules(q))
            let forest = try TestSetup.forest(source, q, data: source.data, labels: 6)
            #expect(forest == expected, "\(owners) owners, cache \(cache)")
            #expect(source.violations.isEmpty, "\(source.violations.prefix(3))")
            #expect((source.derivedCount > 0) == (cache > 0), "siblings derived: \(source.derivedCount)")
        }
    }

    /// With small subtrees too: a large node whose sibling is grown small is derived from the
    /// parent's kept histogram minus the small sibling's, counted in the large node's batch;
    /// the same whether the subtrees grow before the batches or alongside them.
    @Test(arguments: [100, 150, 250])
    func largeSiblingsOfSmallSubtreesAreDerived(limit: Int) throws {
        let (frames, p, expected) = try TestSetup.depth8Baseline(seed: 31)
        for overlap in [false, true] {
            let source = SlicedSource(
                TestSetup.data(frames, parameters: p, trees: 2, labels: 6, smallNodePixels: limit), owners: 2, rules: StoppingRules(p))
            source.overlap = overlap
            let forest = try TestSetup.forest(source, p, data: source.data, labels: 6)
            #expect(forest == expected, "limit \(limit), overlap \(overlap)")
            #expect(source.violations.isEmpty, "\(source.violations.prefix(3))")
            #expect(source.derivedFromSmall > 0, "no large sibling derived from a small one (\(source.smallRoots.count) small roots)")
        }
    }
}

/// Small subtrees grown from bins made apart, as a cluster's holders make them for the worker
/// that grows the subtree: each root's pixels cut into `parts`, put together in reverse order.
final class HandoffSource: HistogramSource {
    let data: LocalTrainingData
    let parts: Int
    var handedOff = 0

    init(_ data: LocalTrainingData, parts: Int) {
        self.data = data
        self.parts = parts
    }

    var smallNodePixels: Int { data.smallNodePixels }
    func histograms(for nodes: [NodeKey]) throws -> [[UInt32]] { try data.histograms(for: nodes) }
    func apply(_ decisions: [(NodeKey, NodeDecision)]) throws { try data.apply(decisions) }

    func growSmallSubtrees(_ roots: [NodeKey], sizes: [Int], level: Int, rules: StoppingRules, denseFor: Set<NodeKey>) throws
        -> SmallSubtreeGrowth
    {
        let shape = data.shape
        let made = roots.map { data.bins(of: $0) }
        handedOff += roots.count
        return SmallSubtree.growAll(roots.count, sizes: made.map(\.labels.count), level: level, threads: 2, scratch: shape) { i in
            let (bins, labels) = made[i]
            let m = labels.count, C = shape.candidates
            let cuts = (0...self.parts).map { $0 * m / self.parts }
            let pieces = (0..<self.parts).map { k -> (bins: [UInt8], labels: [UInt8]) in
                let range = cuts[k]..<cuts[k + 1]
                var b: [UInt8] = []
                for c in 0..<C { b += bins[(c * m + range.lowerBound)..<(c * m + range.upperBound)] }
                return (b, Array(labels[range]))
            }
            let subtree = SmallSubtree(
                root: roots[i], level: level, parts: pieces.reversed(), candidates: C, bins: shape.bins, labelCount: shape.labels,
                rules: rules)
            return (subtree, denseFor.contains(roots[i]))
        }
    }
}

@Suite struct HandoffTests {
    /// Subtrees grown from bins put together from parts give the same forest, for any limit.
    @Test(arguments: [150, 600, Int.max])
    func subtreesFromBinsMadeApartGrowTheSameForest(limit: Int) throws {
        let (frames, p, expected) = try TestSetup.depth8Baseline(seed: 17)
        for parts in [1, 3] {
            let source = HandoffSource(TestSetup.data(frames, parameters: p, trees: 2, labels: 6, smallNodePixels: limit), parts: parts)
            let forest = try TestSetup.forest(source, p, data: source.data, labels: 6)
            #expect(forest == expected, "limit \(limit), \(parts) parts")
            #expect(source.handedOff > 0)
        }
    }
}
