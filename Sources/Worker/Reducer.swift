import Foundation
import RDTCore
import WireProtocol

/// This worker's part in the reduction among workers (docs/protocol.md, Reduction), touched only
/// on the compute queue. As a holder it counts each request's nodes and sends every owner its
/// candidates' counts; as an owner it sums what every holder sent, derives siblings from the
/// slices it kept, evaluates its candidates and sends each item's finisher its best; as a
/// finisher it combines every owner's best (in candidate order) and tells the coordinator.
/// Messages may come in any order: what arrives before its request waits for it.
final class Reducer {
    /// This worker's peer id (from Welcome).
    let me: String

    struct Request {
        let job: String
        let level: Int
        let nodes: [NodeKey]
        let derive: [Bool]
        let owners: [Canopy_Wire_Owner]
        let holders: Set<String>
        /// The nodes, each followed by its derived sibling.
        let items: [NodeKey]
        var myOwner: Int? = nil
    }

    private var requests: [UInt64: Request] = [:]
    /// As an owner: each holder's counts of a request, until all are in.
    private var counts: [UInt64: [String: (Canopy_Wire_PeerCounts, [[UInt8]])]] = [:]
    /// As a finisher: each owner's bests of a request, until all are in.
    private var bests: [UInt64: [Int: [Canopy_Wire_Evaluated]]] = [:]
    /// As an owner: slices of this level's requests not yet settled (by request), those settled
    /// to keep for the next level, and the last level's kept for subtraction in this one.
    private var summed: [UInt64: [NodeKey: [UInt32]]] = [:]
    private var nextKept: [NodeKey: [UInt32]] = [:]
    private var kept: [NodeKey: [UInt32]] = [:]

    init(me: String) { self.me = me }

    /// Starts request `c` here: checks it, counts its nodes and sends each owner its slices.
    func start(_ c: Canopy_Wire_ComputeHistograms, job: WorkerJob) throws -> [Outgoing] {
        let r = c.reduction
        let shape = job.data.shape
        guard !r.owners.isEmpty, r.owners.first?.first == 0, r.owners.last.map({ Int($0.end) }) == shape.candidates,
            zip(r.owners, r.owners.dropFirst()).allSatisfy({ $0.end == $1.first && $0.first < $0.end }),
            r.owners.last.map({ $0.first < $0.end }) == true
        else { throw WireError.malformed("the owners' candidate ranges do not cover 0..<\(shape.candidates)") }
        guard r.derive.count == c.nodes.count, !r.holders.isEmpty, r.holders.contains(me) else {
            throw WireError.malformed("reduction of \(c.nodes.count) nodes with \(r.derive.count) derive flags, holders \(r.holders)")
        }
        settle(upTo: r.settled, keeping: r.keep.map(\.key))
        let nodes = c.nodes.map(\.key)
        var items: [NodeKey] = []
        for (key, derive) in zip(nodes, r.derive) {
            items.append(key)
            if derive {
                guard key.node > 0 else { throw WireError.malformed("a root has no sibling to derive") }
                items.append(key.sibling)
            }
        }
        var request = Request(
            job: c.job, level: Int(r.level), nodes: nodes, derive: r.derive, owners: r.owners, holders: Set(r.holders), items: items)
        request.myOwner = r.owners.firstIndex { $0.peerID == me }
        requests[c.request] = request
        // Count once, send each owner its candidates.
        let mine = try job.counts(c.nodes)
        var out: [Outgoing] = []
        for owner in r.owners {
            var m = Canopy_Wire_PeerCounts()
            m.job = c.job
            m.request = c.request
            m.from = me
            var frames: [[UInt8]] = []
            for node in mine {
                let (info, frame) = try job.pack(node, candidates: Int(owner.first)..<Int(owner.end))
                m.nodes.append(info)
                if !frame.isEmpty { frames.append(frame) }
            }
            if owner.peerID == me {
                counts[c.request, default: [:]][me] = (m, frames)
            } else {
                out.append(
                    .peer(endpoint: owner.endpoint, key: owner.key, WireMessage(Envelope.make { $0.peerCounts = m }.envelope, bulk: frames))
                )
            }
        }
        return out + (try progress(c.request, job: job))
    }

    /// A holder's counts for a request this worker owns candidates of.
    func receive(_ m: Canopy_Wire_PeerCounts, bulk: [[UInt8]], job: WorkerJob) throws -> [Outgoing] {
        guard m.job == job.job else { return [] }
        counts[m.request, default: [:]][m.from] = (m, bulk)
        return try progress(m.request, job: job)
    }

    /// An owner's bests for items this worker finishes.
    func receive(_ m: Canopy_Wire_PeerBest, job: WorkerJob) throws -> [Outgoing] {
        guard m.job == job.job else { return [] }
        bests[m.request, default: [:]][Int(m.owner)] = m.items
        return try progress(m.request, job: job)
    }

    /// Requests up to `settled` are decided: their slices of `keep` stay for the next level, the
    /// others go.
    func settle(upTo settled: UInt64, keeping keep: [NodeKey]) {
        let wanted = Set(keep)
        for id in summed.keys where id <= settled {
            for (key, slice) in summed.removeValue(forKey: id) ?? [:] where wanted.contains(key) { nextKept[key] = slice }
        }
    }

    /// The level is decided: of its slices not yet settled, those of `keep` stay too; the level's
    /// kept slices are what the next one derives from.
    func endLevel(keeping keep: [NodeKey]) {
        settle(upTo: .max, keeping: keep)
        kept = nextKept
        nextKept = [:]
        summed = [:]
    }

    /// Forgets the requests before `request` (a level ended; a level that starts over sends new ones).
    func forget(before request: UInt64) {
        requests = requests.filter { $0.key >= request }
        counts = counts.filter { $0.key >= request }
        bests = bests.filter { $0.key >= request }
    }

    /// Forgets every request in flight (a new assignment); kept slices stay: they are sums over
    /// every frame, whoever holds them now.
    func reset() {
        requests = [:]
        counts = [:]
        bests = [:]
        summed = [:]
        nextKept = [:]
    }

    /// Does what request `id` allows now: the owner's sums once every holder's counts are in, the
    /// finisher's answer once every owner's bests are in.
    private func progress(_ id: UInt64, job: WorkerJob) throws -> [Outgoing] {
        guard let request = requests[id] else { return [] }
        var out: [Outgoing] = []
        if let k = request.myOwner, let got = counts[id], request.holders.isSubset(of: Set(got.keys)) {
            counts[id] = nil
            out += try own(id, request, ownerIndex: k, got: got, job: job)
        }
        if let k = request.myOwner, k < request.items.count, let got = bests[id], got.count == request.owners.count {
            bests[id] = nil
            out += [finish(id, request, got: got)]
        }
        return out
    }

    /// Sums the holders' slices, derives siblings, evaluates this owner's candidates and sends
    /// each finisher its items' bests.
    private func own(
        _ id: UInt64, _ request: Request, ownerIndex k: Int, got: [String: (Canopy_Wire_PeerCounts, [[UInt8]])], job: WorkerJob
    ) throws -> [Outgoing] {
        let owner = request.owners[k]
        let range = Int(owner.first)..<Int(owner.end)
        let shape = job.data.shape
        let size = range.count * shape.countsPerCandidate
        var sums = request.nodes.map { _ in [UInt32](repeating: 0, count: size) }
        for holder in request.holders.sorted() {
            guard let (m, bulk) = got[holder] else { continue }
            guard m.nodes.count == request.nodes.count, bulk.count == m.nodes.filter({ $0.rawBytes > 0 }).count else {
                throw WireError.malformed(
                    "peer \(holder) sent \(m.nodes.count) counts (\(bulk.count) frames) for \(request.nodes.count) nodes")
            }
            var frames = bulk.makeIterator()
            for (i, info) in m.nodes.enumerated() where info.rawBytes > 0 {
                guard let frame = frames.next() else { break }
                try sums[i].withUnsafeMutableBufferPointer { try HistogramWire.add(frame, info: info, labels: shape.labels, into: $0) }
            }
        }
        var slices: [[UInt32]] = []
        var mine: [NodeKey: [UInt32]] = [:]
        for (i, key) in request.nodes.enumerated() {
            mine[key] = sums[i]
            slices.append(sums[i])
            guard request.derive[i] else { continue }
            guard var parent = kept.removeValue(forKey: key.parent), parent.count == size else {
                throw WireError.malformed("asked to derive \(key.sibling) but the slice of \(key.parent) is not kept here")
            }
            SplitEvaluator.subtract(sums[i], from: &parent)
            mine[key.sibling] = parent
            slices.append(parent)
        }
        summed[id] = mine
        let evaluations = SplitEvaluator(shape: shape, rules: job.rules).evaluateAll(slices, candidates: range, level: request.level)
        // Each finisher gets the bests of its items (item % owners).
        let finishers = min(request.owners.count, request.items.count)
        var out: [Outgoing] = []
        for f in 0..<finishers {
            var m = Canopy_Wire_PeerBest()
            m.job = request.job
            m.request = id
            m.owner = UInt32(k)
            m.items = stride(from: f, to: request.items.count, by: request.owners.count).map {
                Canopy_Wire_Evaluated(item: $0, evaluations[$0])
            }
            let finisher = request.owners[f]
            if finisher.peerID == me {
                bests[id, default: [:]][k] = m.items
                out += try progress(id, job: job)
            } else {
                out.append(.peer(endpoint: finisher.endpoint, key: finisher.key, Envelope.make { $0.peerBest = m }))
            }
        }
        return out
    }

    /// Combines every owner's bests of this finisher's items, in candidate order.
    private func finish(_ id: UInt64, _ request: Request, got: [Int: [Canopy_Wire_Evaluated]]) -> Outgoing {
        var reply = Canopy_Wire_Evaluations()
        reply.job = request.job
        reply.request = id
        let mine = stride(from: request.myOwner!, to: request.items.count, by: request.owners.count)
        for (n, item) in mine.enumerated() {
            let parts = (0..<request.owners.count).compactMap { o -> NodeEvaluation? in
                guard let list = got[o], n < list.count, list[n].item == UInt32(item) else { return nil }
                let e = list[n]
                return NodeEvaluation(
                    totals: e.totals,
                    choice: e.splits ? SplitChoice(candidate: Int(e.candidate), threshold: Int(e.threshold), gain: e.gain) : nil,
                    left: e.splits ? e.left : nil)
            }
            if parts.count == request.owners.count, let best = SplitEvaluator.combine(parts) {
                reply.items.append(Canopy_Wire_Evaluated(item: item, best))
            }
        }
        return .coordinator(Envelope.make { $0.evaluations = reply })
    }
}
