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
        for (key, hist) in zip(nodes, try data.histograms(for: nodes)) {
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
        let frames = SyntheticFrame.make(count: 10, labels: 6, seed: 31)
        var p = TestSetup.parameters()
        p.maxDepth = 8
        let plain = TestSetup.data(frames, parameters: p, trees: 2, labels: 6, smallNodePixels: 0)
        let expected = try ForestGrower(parameters: p, candidates: plain.candidates, labelCount: 6)
            .grow(labels: TestSetup.labels(6), camera: TestSetup.camera, source: plain)
        for cache in [p.histogramCacheMemory, 0] {
            var q = p
            q.histogramCacheMemory = cache
            let source = SlicedSource(
                TestSetup.data(frames, parameters: q, trees: 2, labels: 6, smallNodePixels: 0), owners: owners,
                rules: StoppingRules(q))
            let forest = try ForestGrower(parameters: q, candidates: source.data.candidates, labelCount: 6)
                .grow(labels: TestSetup.labels(6), camera: TestSetup.camera, source: source)
            #expect(forest == expected, "\(owners) owners, cache \(cache)")
            #expect(source.violations.isEmpty, "\(source.violations.prefix(3))")
            #expect((source.derivedCount > 0) == (cache > 0), "siblings derived: \(source.derivedCount)")
        }
    }
}
