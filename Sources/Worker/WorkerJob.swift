import Dataset
import Foundation
import RDTCore
import Training
import WireProtocol

/// A job as one worker holds it: its share of the frames, sampled and routed through the trees,
/// and the answers to the coordinator's requests. No sockets: each request gives its reply.
final class WorkerJob {
    let job: String
    let data: LocalTrainingData
    /// The job's stopping rules, for evaluating the candidates this worker owns.
    let rules: StoppingRules
    /// Nodes per tree (2^depth - 1): any node named by a request lies below.
    let maxNode: Int
    /// This level's counts of small roots worked out from their bins at handoff, for the
    /// reduction that counts them with their large siblings; each used once, all let go when the
    /// level's splits are applied.
    private var precounted: [NodeKey: NodeCounts] = [:]

    private init(job: String, data: LocalTrainingData, rules: StoppingRules, maxNode: Int) {
        self.job = job
        self.data = data
        self.rules = rules
        self.maxNode = maxNode
    }

    /// Loads an assignment: its frames from the dataset's shards, its pixels routed through the
    /// partial trees in `route`; everything the coordinator sent is checked first. `log` gets
    /// one line when it is loaded.
    static func load(_ a: Canopy_Wire_AssignShards, route: [[UInt8]], threads: Int, log: (String) -> Void) throws -> WorkerJob {
        let params = try TrainingParameters(json: try JSON.parse(a.parametersJson))
        guard (1...255).contains(a.labels) else { throw WireError.malformed("labels \(a.labels)") }
        guard (1...64).contains(a.candidates.count) else { throw WireError.malformed("\(a.candidates.count) trees") }
        let candidates = try a.candidates.map { try $0.candidates(params) }
        var uses: [UInt64: [(tree: Int, position: Int)]] = [:]
        for f in a.frames { uses[f.id] = try f.frameUses(trees: candidates.count) }
        let maxNode = (1 << params.maxDepth) - 1
        let decisions = try RouteWire.decisions(a.route, frames: route, trees: candidates.count, maxNode: maxNode)
        let manifest = try DatasetManifest(root: a.dataset)
        let data = LocalTrainingData(
            parameters: params, candidates: candidates, labelCount: Int(a.labels),
            kernel: HistogramKernel(threads: threads))
        let start = Date()
        try TrainingSetLoader.load(manifest: manifest, frames: uses.keys.sorted(), uses: FrameUses(uses: uses), into: data)
        // Decisions arrive parents first, so each pixel ends in the node it would have reached.
        try data.apply(decisions)
        log(
            String(
                format: "job %@: loaded %d frames, %d samples in %.2f s%@", a.job, uses.count, data.sampleCount,
                Date().timeIntervalSince(start), decisions.isEmpty ? "" : ", routed through \(decisions.count) decided nodes"))
        return WorkerJob(job: a.job, data: data, rules: StoppingRules(params), maxNode: maxNode)
    }

    /// What the coordinator learns once the assignment of `epoch` is loaded.
    func ready(epoch: UInt64) -> WireMessage {
        var ready = Canopy_Wire_Ready()
        ready.job = job
        ready.epoch = epoch
        ready.samples = UInt64(data.sampleCount)
        ready.memoryBytes = UInt64(data.frames.bytes + data.trees.reduce(0) { $0 + $1.bytes })
        return Envelope.make { $0.ready = ready }
    }

    /// This worker's counts of each node (in order): its pixels here, the labels present among
    /// them (ascending) and the counts, u16 where they fit (nil without pixels).
    func counts(_ nodes: [Canopy_Wire_NodeRef]) throws -> [(pixels: Int, present: [Int], counts: NodeCounts?)] {
        let trees = data.candidates.count
        for n in nodes where Int(n.tree) >= trees || Int(n.node) >= maxNode {
            throw WireError.malformed("node (\(n.tree), \(n.node)) is outside the forest")
        }
        var out = [(pixels: Int, present: [Int], counts: NodeCounts?)](repeating: (0, [], nil), count: nodes.count)
        let byTree = Dictionary(grouping: nodes.indices, by: { Int(nodes[$0].tree) })
        let labels = data.shape.labels
        for (tree, indices) in byTree.sorted(by: { $0.key < $1.key }) {
            let ranges = indices.map { data.trees[tree].range(of: Int(nodes[$0].node)) }
            let known = indices.map { precounted.removeValue(forKey: nodes[$0].key) }
            let kernel = indices.indices.filter { known[$0] == nil }
            var computed = data.computeCounts(tree: tree, ranges: kernel.map { ranges[$0] }).makeIterator()
            let counts = known.map { $0 ?? computed.next() }
            for (k, i) in indices.enumerated() where !ranges[k].isEmpty {
                // Only the labels among this node's pixels here have non-zero counts.
                var seen = [Bool](repeating: false, count: labels)
                for p in data.trees[tree].samples[ranges[k]] { seen[Int(p.label)] = true }
                out[i] = (ranges[k].count, seen.indices.filter { seen[$0] }, counts[k])
            }
        }
        return out
    }

    /// Keeps this worker's counts of `root` (its pixels' `bins` and `labels`) for the level's reduction.
    func precount(_ root: NodeKey, bins: [UInt8], labels: [UInt8]) {
        precounted[root] = NodeCounts(bins: bins, labels: labels, shape: data.shape)
    }

    /// Candidates `candidates` of one node's counts, packed for the wire: its info and LZ4 frame
    /// (empty without pixels).
    func pack(_ node: (pixels: Int, present: [Int], counts: NodeCounts?), candidates: Range<Int>) throws
        -> (Canopy_Wire_NodeCountsInfo, [UInt8])
    {
        var info = Canopy_Wire_NodeCountsInfo()
        info.pixels = UInt32(node.pixels)
        guard let counts = node.counts, !candidates.isEmpty else { return (info, []) }
        let labels = data.shape.labels
        let per = data.shape.countsPerCandidate
        let slice = (candidates.lowerBound * per)..<(candidates.upperBound * per)
        let rows = slice.count / labels
        info.labels = node.present.map(UInt32.init)
        if let u16 = counts.u16 {
            info.narrow = true
            info.rawBytes = UInt32(rows * node.present.count * 2)
            return (info, try HistogramWire.pack(UnsafeBufferPointer(rebasing: u16[slice]), labels: labels, present: node.present))
        }
        info.rawBytes = UInt32(rows * node.present.count * 4)
        return (info, try HistogramWire.pack(UnsafeBufferPointer(rebasing: counts.u32![slice]), labels: labels, present: node.present))
    }

    /// This worker's label counts for each node of the request: present labels only, u16 where
    /// they fit, one LZ4 frame per node with pixels.
    func histograms(_ c: Canopy_Wire_ComputeHistograms) throws -> WireMessage {
        let all = 0..<data.shape.candidates
        let packed = try counts(c.nodes).map { try pack($0, candidates: all) }
        var reply = Canopy_Wire_Histograms()
        reply.job = c.job
        reply.request = c.request
        reply.nodes = packed.map(\.0)
        return WireMessage(Envelope.make { $0.histograms = reply }.envelope, bulk: packed.map(\.1).filter { !$0.isEmpty })
    }

    /// Routes the pixels of split nodes to their children and forgets leaves.
    func apply(_ a: Canopy_Wire_ApplySplits) throws -> WireMessage {
        try data.apply(try a.decisions.map { try $0.decision(trees: data.candidates.count, maxNode: maxNode) })
        precounted = [:]
        var done = Canopy_Wire_Applied()
        done.job = a.job
        done.request = a.request
        return Envelope.make { $0.applied = done }
    }
}
