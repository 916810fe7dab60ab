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
    /// Nodes per tree (2^depth - 1): any node named by a request lies below.
    let maxNode: Int

    private init(job: String, data: LocalTrainingData, maxNode: Int) {
        self.job = job
        self.data = data
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
        return WorkerJob(job: a.job, data: data, maxNode: maxNode)
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

    /// This worker's label counts for each node of the request: present labels only, u16 where
    /// they fit, one LZ4 frame per node with pixels.
    func histograms(_ c: Canopy_Wire_ComputeHistograms) throws -> WireMessage {
        let trees = data.candidates.count
        for n in c.nodes where Int(n.tree) >= trees || Int(n.node) >= maxNode {
            throw WireError.malformed("node (\(n.tree), \(n.node)) is outside the forest")
        }
        var infos = [Canopy_Wire_NodeCountsInfo](repeating: .init(), count: c.nodes.count)
        var frames = [[UInt8]](repeating: [], count: c.nodes.count)
        let byTree = Dictionary(grouping: c.nodes.indices, by: { Int(c.nodes[$0].tree) })
        let labels = data.shape.labels
        let rows = data.shape.countsPerNode / labels
        for (tree, indices) in byTree.sorted(by: { $0.key < $1.key }) {
            let ranges = indices.map { data.trees[tree].range(of: Int(c.nodes[$0].node)) }
            let counts = data.computeCounts(tree: tree, ranges: ranges)
            for (k, i) in indices.enumerated() {
                infos[i].pixels = UInt32(ranges[k].count)
                guard !ranges[k].isEmpty else { continue }
                // Only the labels among this node's pixels here have non-zero counts.
                var seen = [Bool](repeating: false, count: labels)
                for p in data.trees[tree].samples[ranges[k]] { seen[Int(p.label)] = true }
                let present = seen.indices.filter { seen[$0] }
                infos[i].labels = present.map(UInt32.init)
                if let u16 = counts[k].u16 {
                    infos[i].narrow = true
                    infos[i].rawBytes = UInt32(rows * present.count * 2)
                    frames[i] = try HistogramWire.pack(UnsafeBufferPointer(u16), labels: labels, present: present)
                } else if let u32 = counts[k].u32 {
                    infos[i].rawBytes = UInt32(rows * present.count * 4)
                    frames[i] = try HistogramWire.pack(UnsafeBufferPointer(u32), labels: labels, present: present)
                }
            }
        }
        var reply = Canopy_Wire_Histograms()
        reply.job = c.job
        reply.request = c.request
        reply.nodes = infos
        return WireMessage(Envelope.make { $0.histograms = reply }.envelope, bulk: frames.filter { !$0.isEmpty })
    }

    /// Routes the pixels of split nodes to their children and forgets leaves.
    func apply(_ a: Canopy_Wire_ApplySplits) throws -> WireMessage {
        try data.apply(try a.decisions.map { try $0.decision(trees: data.candidates.count, maxNode: maxNode) })
        var done = Canopy_Wire_Applied()
        done.job = a.job
        done.request = a.request
        return Envelope.make { $0.applied = done }
    }
}
