import BlockCompression
import Foundation
import RDTCore
import WireProtocol

/// This worker's part in handing small subtrees off (docs/scaling.md), touched only on the compute
/// queue. As a holder it sends each small root's target its pixels of the root as bins and labels
/// (LZ4, about half the bytes; raw where the target is itself or on the same host, where
/// compressing would cost CPU and save no network);
/// as a target, once every holder's bins are in, it grows the whole subtree below each of its
/// roots (`SmallSubtree.growAll`) and sends the coordinator every evaluation. Bins may arrive
/// before their request: they wait for it.
final class SubtreeHandoff {
    let me: String
    /// The host in this worker's peer endpoint: bins for a target whose endpoint names the same
    /// host go uncompressed.
    let host: Substring

    struct Request {
        let job: String
        let level: Int
        let roots: [NodeKey]
        let targets: [String]
        let holders: Set<String>
    }

    private var requests: [UInt64: Request] = [:]
    private var received: [UInt64: [String: (Canopy_Wire_PeerBins, [[UInt8]])]] = [:]

    init(me: String, endpoint: String) {
        self.me = me
        host = Self.host(of: endpoint)
    }

    /// The host of a "tcp://HOST:PORT" endpoint.
    static func host(of endpoint: String) -> Substring {
        let rest = endpoint.hasPrefix("tcp://") ? endpoint.dropFirst(6) : endpoint[...]
        return rest.lastIndex(of: ":").map { rest[..<$0] } ?? rest
    }

    /// Starts request `g` here: sends each target this worker's bins of its roots.
    func start(_ g: Canopy_Wire_GrowSubtrees, job: WorkerJob) throws -> [Outgoing] {
        guard g.targets.count == g.roots.count, !g.roots.isEmpty, Set(g.holders).contains(me) else {
            throw WireError.malformed("\(g.roots.count) subtree roots with \(g.targets.count) targets, holders \(g.holders)")
        }
        let roots = g.roots.map(\.key)
        for r in roots where r.tree >= job.data.candidates.count || r.node >= job.maxNode {
            throw WireError.malformed("subtree root (\(r.tree), \(r.node)) is outside the forest")
        }
        let dense = Set(g.dense.map(\.key))
        guard dense.isSubset(of: Set(roots)) else { throw WireError.malformed("dense counts asked of nodes that are not subtree roots") }
        requests[g.request] = Request(
            job: g.job, level: Int(g.level), roots: roots, targets: g.targets.map(\.peerID), holders: Set(g.holders))
        var out: [Outgoing] = []
        var seen = Set<String>()
        for target in g.targets where seen.insert(target.peerID).inserted {
            var m = Canopy_Wire_PeerBins()
            m.job = g.job
            m.request = g.request
            m.from = me
            var frames: [[UInt8]] = []
            // Bins this worker grows itself stay as they are, and so do those for a worker on this host.
            let local = target.peerID == me
            m.raw = local || Self.host(of: target.endpoint) == host
            for (i, root) in roots.enumerated() where g.targets[i].peerID == target.peerID {
                let (bins, labels) = job.data.bins(of: root)
                if dense.contains(root) { job.precount(root, bins: bins, labels: labels) }
                m.roots.append(Canopy_Wire_NodeRef(root))
                m.pixels.append(UInt32(labels.count))
                guard !labels.isEmpty else { continue }
                frames += m.raw ? [bins, labels] : [try LZ4Codec.compress(bins), try LZ4Codec.compress(labels)]
            }
            if local {
                received[g.request, default: [:]][me] = (m, frames)
            } else {
                out.append(
                    .peer(endpoint: target.endpoint, key: target.key, WireMessage(Envelope.make { $0.peerBins = m }.envelope, bulk: frames))
                )
            }
        }
        return out + (try progress(g.request, job: job))
    }

    /// A holder's bins for roots this worker grows.
    func receive(_ m: Canopy_Wire_PeerBins, bulk: [[UInt8]], job: WorkerJob) throws -> [Outgoing] {
        guard m.job == job.job else { return [] }
        received[m.request, default: [:]][m.from] = (m, bulk)
        return try progress(m.request, job: job)
    }

    func forget(before request: UInt64) {
        requests = requests.filter { $0.key >= request }
        received = received.filter { $0.key >= request }
    }

    func reset() {
        requests = [:]
        received = [:]
    }

    /// Once every holder's bins of request `id` are in: grows this worker's roots.
    private func progress(_ id: UInt64, job: WorkerJob) throws -> [Outgoing] {
        guard let request = requests[id], let got = received[id], request.holders.isSubset(of: Set(got.keys)) else { return [] }
        received[id] = nil
        requests[id] = nil
        let mine = request.roots.indices.filter { request.targets[$0] == me }
        guard !mine.isEmpty else { return [] }
        let shape = job.data.shape
        // Each holder's parts, by root, checked: sizes, bins below the bin count, labels below the label count.
        var parts: [NodeKey: [(bins: [UInt8], labels: [UInt8])]] = [:]
        for holder in request.holders.sorted() {
            guard let (m, bulk) = got[holder] else { continue }
            let expected = mine.map { request.roots[$0] }
            guard m.roots.map(\.key) == expected, m.pixels.count == expected.count,
                bulk.count == 2 * m.pixels.filter({ $0 > 0 }).count
            else { throw WireError.malformed("peer \(holder) sent bins of \(m.roots.count) roots for \(expected.count)") }
            var frames = bulk.makeIterator()
            for (root, count) in zip(expected, m.pixels.map(Int.init)) where count > 0 {
                let C = job.data.candidates[root.tree].count
                guard count <= 1 << 26, let b = frames.next(), let l = frames.next() else { break }
                if holder == me {
                    parts[root, default: []].append((b, l))
                    continue
                }
                let bins = m.raw ? b : try LZ4Codec.decompress(b, count: count * C)
                let labels = m.raw ? l : try LZ4Codec.decompress(l, count: count)
                guard bins.count == count * C, labels.count == count, Self.below(shape.bins, bins), Self.below(shape.labels, labels)
                else { throw WireError.malformed("peer \(holder) sent bins or labels of the wrong size or out of range for root \(root)") }
                parts[root, default: []].append((bins, labels))
            }
        }
        let roots = mine.map { request.roots[$0] }
        let grown = SmallSubtree.growAll(
            roots.count, sizes: roots.map { parts[$0]?.reduce(0) { $0 + $1.labels.count } ?? 0 }, level: request.level,
            threads: job.data.kernel.threads, scratch: shape
        ) { i in
            let root = roots[i]
            let subtree = SmallSubtree(
                root: root, level: request.level, parts: parts[root] ?? [], candidates: job.data.candidates[root.tree].count,
                bins: shape.bins, labelCount: shape.labels, rules: job.rules)
            return (subtree, false)
        }
        var reply = Canopy_Wire_SubtreesGrown()
        reply.job = request.job
        reply.request = id
        reply.nodes = grown.evaluations.sorted { $0.0 < $1.0 }.map { key, e in
            var n = Canopy_Wire_GrownNode()
            n.node = Canopy_Wire_NodeRef(key)
            n.evaluation = Canopy_Wire_Evaluated(item: 0, e)
            return n
        }
        return [.coordinator(Envelope.make { $0.subtreesGrown = reply })]
    }

    /// Whether every byte is below `limit` (one pass the compiler vectorizes).
    static func below(_ limit: Int, _ bytes: [UInt8]) -> Bool {
        bytes.withUnsafeBufferPointer { b in
            var top: UInt8 = 0
            for x in b { top = max(top, x) }
            return b.isEmpty || Int(top) < limit
        }
    }
}
