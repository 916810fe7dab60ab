import Foundation
import Testing

@testable import RDTCore

/// glimpse's training, plain: per node, left/right counts per (candidate, threshold) from the
/// reference kernel, textbook entropy gain, the same stopping rules. Independent of the kernel, the
/// bins, the batching and the histogram subtraction of the real grower.
enum ReferenceTrainer {
    static func entropy(_ counts: [UInt32]) -> Double {
        let n = Double(counts.reduce(0, +))
        guard n > 0 else { return 0 }
        return -counts.filter { $0 > 0 }.map { Double($0) / n }.reduce(0) { $0 + $1 * log2($1) }
    }

    static func train(data: LocalTrainingData, tree: Int, parameters p: TrainingParameters, labels: Int) -> [TreeNode] {
        let candidates = data.candidates[tree]
        var nodes = [TreeNode](repeating: .untrained, count: (1 << p.maxDepth) - 1)
        var queue: [(node: Int, depth: Int, samples: [PixelSample])] = [(0, 0, data.trees[tree].samples)]
        while !queue.isEmpty {
            let (node, depth, samples) = queue.removeFirst()
            var totals = [UInt32](repeating: 0, count: labels)
            for s in samples { totals[Int(s.label)] += 1 }
            let leaf = TreeNode.leaf(totals.map { Float(Double($0) / Double(samples.count)) })
            if depth >= p.maxDepth - 1 || totals.filter({ $0 > 0 }).count <= 1 || samples.count < p.minSamples {
                nodes[node] = leaf
                continue
            }
            let (left, right) = ReferenceKernel.leftRight(
                samples: samples, frames: data.frames, candidates: candidates,
                labels: labels)
            let T = candidates.thresholds.count
            let h = entropy(totals), n = Double(samples.count)
            var best: (c: Int, j: Int, gain: Double)?
            for c in 0..<candidates.count {
                for j in 0..<T {
                    let l = Array(left[((c * T + j) * labels)..<((c * T + j + 1) * labels)])
                    let r = Array(right[((c * T + j) * labels)..<((c * T + j + 1) * labels)])
                    let nl = Double(l.reduce(0, +)), nr = Double(r.reduce(0, +))
                    if nl == 0 || nr == 0 { continue }
                    let gain = h - (nl / n * entropy(l) + nr / n * entropy(r))
                    if best == nil || gain > best!.gain + 1e-12 { best = (c, j, gain) }
                }
            }
            guard let b = best, b.gain > p.minGain else {
                nodes[node] = leaf
                continue
            }
            let uv = candidates.uvs[b.c], t = candidates.thresholds[b.j]
            nodes[node] = .split(uv: uv, thresholdMM: t)
            var ls: [PixelSample] = [], rs: [PixelSample] = []
            data.frames.depth.withUnsafeBufferPointer { d in
                for s in samples {
                    let f = Feature.value(
                        depth: d.baseAddress!, frame: data.frames.frames[Int(s.frame)], x: Int32(s.x),
                        y: Int32(s.y), depthMM: s.depth, uv: uv)
                    if f < t { ls.append(s) } else { rs.append(s) }
                }
            }
            queue.append((2 * node + 1, depth + 1, ls))
            queue.append((2 * node + 2, depth + 1, rs))
        }
        return nodes
    }
}

@Suite struct ForestGrowthTests {
    func grow(
        _ frames: [SyntheticFrame], _ p: TrainingParameters, trees: Int = 2, labels: Int = 5, crop: Bool = true,
        kernel: HistogramKernel = HistogramKernel(threads: 1), smallNodePixels: Int? = nil
    ) throws -> [DecisionTree] {
        let data = TestSetup.data(
            frames, parameters: p, trees: trees, labels: labels, crop: crop, kernel: kernel,
            smallNodePixels: smallNodePixels)
        let grower = ForestGrower(parameters: p, candidates: data.candidates, labelCount: labels)
        return try grower.grow(labels: TestSetup.labels(labels), camera: TestSetup.camera, source: data)
    }

    /// Small subtrees keep the bins that hold pixels in one 64-bit mask up to 64 bins and scan
    /// every bin above: either way, the forest of dense histograms.
    @Test(arguments: [7, 63, 65, 255])
    func smallSubtreesGrowTheDenseForestForAnyBinCount(thresholds: Int) throws {
        let frames = SyntheticFrame.make(count: 8, labels: 5, seed: 3)
        var p = TestSetup.parameters()
        p.nThresholds = thresholds
        p.maxDepth = 8
        let dense = try grow(frames, p, smallNodePixels: 0)
        #expect(try grow(frames, p, smallNodePixels: .max) == dense, "\(thresholds) thresholds")
        #expect(dense.allSatisfy { $0.leafCount > 4 })
    }

    @Test(arguments: [21, 22, 23])
    func treesEqualTheReferenceTrainer(seed: UInt64) throws {
        let frames = SyntheticFrame.make(count: 8, labels: 5, seed: seed)
        let p = TestSetup.parameters()
        let data = TestSetup.data(frames, parameters: p, trees: 2, labels: 5)
        let forest = try grow(frames, p)
        for t in 0..<2 {
            let reference = ReferenceTrainer.train(data: data, tree: t, parameters: p, labels: 5)
            #expect(forest[t].nodes == reference, "tree \(t)")
        }
        // Real trees: the root splits and there are several leaves.
        #expect(forest.allSatisfy { if case .split = $0.nodes[0] { return $0.leafCount > 2 } else { return false } })
    }

    @Test func threadsTilesBatchesAndSubtractionDoNotChangeTheForest() throws {
        let frames = SyntheticFrame.make(count: 10, labels: 6, seed: 5)
        var p = TestSetup.parameters()
        p.maxDepth = 8
        let baseline = try grow(frames, p, labels: 6, smallNodePixels: 0)
        var noCache = p
        noCache.histogramCacheMemory = 0
        var tinyBatches = p
        tinyBatches.histogramMemory = 1
        #expect(try grow(frames, noCache, labels: 6) == baseline)
        #expect(try grow(frames, tinyBatches, labels: 6) == baseline)
        #expect(try grow(frames, p, labels: 6, kernel: HistogramKernel(threads: 3, tile: 17)) == baseline)
        #expect(try grow(frames, p, labels: 6, crop: false) == baseline)
        // Small subtrees grown from precomputed bins, below every node and below some.
        #expect(try grow(frames, p, labels: 6, smallNodePixels: .max) == baseline)
        #expect(try grow(frames, p, labels: 6, smallNodePixels: 300) == baseline)
        #expect(try grow(frames, p, labels: 6, kernel: HistogramKernel(threads: 3), smallNodePixels: 700) == baseline)
    }

    /// The level records that go into the forest's history (all but timing and how many
    /// histograms were counted or derived) do not depend on caching or batching either, to the bit.
    @Test func levelRecordsDoNotDependOnCachingOrBatching() throws {
        let frames = SyntheticFrame.make(count: 10, labels: 6, seed: 8)
        var p = TestSetup.parameters()
        p.maxDepth = 8
        func records(_ p: TrainingParameters, smallNodePixels: Int = 0) throws -> [LevelRecord] {
            let data = TestSetup.data(frames, parameters: p, trees: 3, labels: 6, smallNodePixels: smallNodePixels)
            let grower = ForestGrower(parameters: p, candidates: data.candidates, labelCount: 6)
            var levels: [LevelRecord] = []
            grower.onLevel = { r in
                var r = r
                r.seconds = 0
                r.histogramsComputed = 0
                r.histogramsDerived = 0
                levels.append(r)
            }
            _ = try grower.grow(labels: TestSetup.labels(6), camera: TestSetup.camera, source: data)
            return levels
        }
        var noCache = p
        noCache.histogramCacheMemory = 0
        var tinyBatches = p
        tinyBatches.histogramMemory = 1
        let baseline = try records(p)
        #expect(baseline.count > 3 && baseline.contains { $0.meanGain > 0 })
        #expect(try records(noCache) == baseline)
        #expect(try records(tinyBatches) == baseline)
        #expect(try records(p, smallNodePixels: .max) == baseline)
        #expect(try records(p, smallNodePixels: 400) == baseline)
    }

    /// Small nodes are grown from their bins, not from dense histograms: fewer histograms are
    /// counted, and the forest is the reference trainer's.
    @Test(arguments: [0, 150, Int.max])
    func smallSubtreesGiveTheReferenceTrees(limit: Int) throws {
        let frames = SyntheticFrame.make(count: 8, labels: 5, seed: 31)
        var p = TestSetup.parameters()
        p.maxDepth = 9
        p.minSamples = 1
        let data = TestSetup.data(frames, parameters: p, trees: 2, labels: 5, smallNodePixels: limit)
        let grower = ForestGrower(parameters: p, candidates: data.candidates, labelCount: 5)
        var counted = 0
        grower.onLevel = { counted += $0.histogramsComputed + $0.histogramsDerived }
        let forest = try grower.grow(labels: TestSetup.labels(5), camera: TestSetup.camera, source: data)
        for t in 0..<2 {
            #expect(
                forest[t].nodes
                    == ReferenceTrainer.train(
                        data: TestSetup.data(frames, parameters: p, trees: 2, labels: 5),
                        tree: t, parameters: p, labels: 5), "tree \(t)")
        }
        // Only the roots (level 0 has no known totals) are dense when every node is small.
        if limit == .max { #expect(counted == 2) } else if limit == 0 { #expect(counted > 20) }
        #expect(forest.allSatisfy { $0.leafCount > 4 })
    }

    @Test func subtractionIsUsedAndStoppingRulesHold() throws {
        let frames = SyntheticFrame.make(count: 10, labels: 5, seed: 8)
        var p = TestSetup.parameters()
        p.maxDepth = 5
        let data = TestSetup.data(frames, parameters: p, trees: 1, labels: 5, smallNodePixels: 0)
        let grower = ForestGrower(parameters: p, candidates: data.candidates, labelCount: 5)
        var records: [LevelRecord] = []
        grower.onLevel = { records.append($0) }
        let tree = try grower.grow(labels: TestSetup.labels(5), camera: TestSetup.camera, source: data)[0]
        #expect(records.count <= p.maxDepth)
        #expect(records.contains { $0.histogramsDerived > 0 })
        // Every open node is decided exactly once, and every sample is counted once per level.
        for r in records {
            #expect(r.splits + r.leaves == r.openNodes, "level \(r.level)")
            #expect(r.pixels == data.sampleCount, "level \(r.level)")
        }
        // Nothing below max_depth - 1; every split has two decided children.
        for (i, node) in tree.nodes.enumerated() {
            if case .split = node {
                #expect(tree.nodes[2 * i + 1] != .untrained && tree.nodes[2 * i + 2] != .untrained)
            }
            if case .leaf(let p) = node { #expect(abs(p.reduce(0, +) - 1) < 1e-5) }
        }
        // The last level holds only leaves (or nothing).
        let lastLevel = ((1 << (p.maxDepth - 1)) - 1)..<((1 << p.maxDepth) - 1)
        #expect(lastLevel.allSatisfy { if case .split = tree.nodes[$0] { return false } else { return true } })

        var strict = p
        strict.minGain = 10  // no split can gain 10 bits
        let stump = try grow(frames, strict, trees: 1)[0]
        if case .leaf = stump.nodes[0] {} else { Issue.record("root should be a leaf when min_gain is unreachable") }
    }

    @Test func samplingDependsOnSeedTreeAndPositionOnly() {
        let frames = SyntheticFrame.make(count: 3, labels: 5, seed: 2)
        let p = TestSetup.parameters()
        let a = TestSetup.data(frames, parameters: p, trees: 2, labels: 5)
        // The same frame at position 1, loaded alone, gets the same samples as in the full set.
        let candidates = (0..<2).map { Candidates(parameters: p, camera: TestSetup.camera, tree: $0) }
        let b = LocalTrainingData(parameters: p, candidates: candidates, labelCount: 5)
        let c = frames[1].cropped()
        b.addFrame(
            depth: c.depth, labels: c.labels, width: c.width, height: c.height, originX: c.x, originY: c.y,
            uses: [(tree: 1, position: 1)])
        b.finishLoading()
        let full = a.trees[1].samples.filter { $0.frame == 1 }
        #expect(b.trees[1].samples.map { [$0.x, $0.y, $0.depth] } == full.map { [$0.x, $0.y, $0.depth] })
        #expect(a.trees[0].samples.filter { $0.frame == 1 }.map(\.x) != full.map(\.x))
        #expect(full.allSatisfy { $0.label != 0 && $0.depth < 32000 })
    }
}

/// Local data that counts the small roots whose dense histograms the grower asked for.
final class DenseForCounter: HistogramSource {
    let data: LocalTrainingData
    var asked = 0
    init(_ data: LocalTrainingData) { self.data = data }
    var smallNodePixels: Int { data.smallNodePixels }
    func histograms(for nodes: [NodeKey]) throws -> [[UInt32]] { try data.histograms(for: nodes) }
    func apply(_ decisions: [(NodeKey, NodeDecision)]) throws { try data.apply(decisions) }
    func growSmallSubtrees(_ roots: [NodeKey], sizes: [Int], level: Int, rules: StoppingRules, denseFor: Set<NodeKey>) throws
        -> SmallSubtreeGrowth
    {
        asked += denseFor.count
        return try data.growSmallSubtrees(roots, sizes: sizes, level: level, rules: rules, denseFor: denseFor)
    }
}

@Suite struct SmallSiblingTests {
    /// A large node whose sibling is grown small is derived from the parent minus the sibling's
    /// histogram (counted from its bins): the same forest as counting it.
    @Test(arguments: [150, 250])
    func largeSiblingsOfSmallNodesAreDerivedAndTheForestIsTheSame(limit: Int) throws {
        let (frames, p, expected) = try TestSetup.depth8Baseline(seed: 5)
        let source = DenseForCounter(TestSetup.data(frames, parameters: p, trees: 2, labels: 6, smallNodePixels: limit))
        let forest = try TestSetup.forest(source, p, data: source.data, labels: 6)
        #expect(forest == expected)
        #expect(source.asked > 0, "no large node had a small sibling at limit \(limit)")
    }
}

/// A pipelined source over local data that checks the grower's prefetch protocol.
final class PipelinedSource: HistogramSource {
    let data: LocalTrainingData
    var prefetched: [NodeKey]?
    var prefetches = 0
    var violations = 0

    init(_ data: LocalTrainingData) { self.data = data }
    var pipelined: Bool { true }
    func prefetch(_ nodes: [NodeKey]) throws {
        if prefetched != nil { violations += 1 }  // two batches in flight
        prefetched = nodes
        prefetches += 1
    }
    func histograms(for nodes: [NodeKey]) throws -> [[UInt32]] {
        if prefetched != nodes { violations += 1 }
        prefetched = nil
        return try data.histograms(for: nodes)
    }
    func apply(_ decisions: [(NodeKey, NodeDecision)]) throws { try data.apply(decisions) }
}

@Suite struct PipelinedGrowthTests {
    @Test func pipelinedSourceGrowsTheSameForest() throws {
        let frames = SyntheticFrame.make(count: 10, labels: 6, seed: 12)
        var p = TestSetup.parameters()
        p.maxDepth = 7
        let plain = TestSetup.data(frames, parameters: p, trees: 2, labels: 6)
        let expected = try TestSetup.forest(plain, p, data: plain, labels: 6)
        let source = PipelinedSource(TestSetup.data(frames, parameters: p, trees: 2, labels: 6))
        let forest = try TestSetup.forest(source, p, data: source.data, labels: 6)
        #expect(forest == expected)
        #expect(source.violations == 0 && source.prefetches > p.maxDepth)
    }
}
