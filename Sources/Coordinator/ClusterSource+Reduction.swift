import Foundation
import RDTCore
import SwiftProtobuf
import Training
import WireProtocol

/// The reduction on the workers: each batch goes to every holder with who owns which candidates;
/// the holders send their counts to the owners, the owners sum and evaluate their candidates and
/// send their best splits to each item's finisher, and the finishers send the coordinator one
/// evaluation per item. Only decisions-sized messages reach the coordinator.
extension ClusterSource {
    var evaluates: Bool { reduceOnWorkers }

    /// The owners of the next request (`ReductionRequest.owners`).
    var owners: [PeerIdentity] { ReductionRequest.owners(of: link.pool.assigned, candidates: shape.candidates) }

    func startLevel(_ level: Int, derived: [NodeKey: NodeKey]) throws {
        self.level = level
        self.derived = derived
    }

    func evaluations(for nodes: [NodeKey]) throws -> [(NodeKey, NodeEvaluation)] {
        try finishEvaluations(try requestID(for: nodes, start: startEvaluations))
    }

    func keep(_ nodes: Set<NodeKey>) throws {
        keepNext += nodes.sorted()
        settled = returned
    }

    /// Sends a reduction request for `batch` to every holder; returns its id.
    func startEvaluations(_ batch: [NodeKey]) throws -> UInt64 {
        if link.pool.interrupted { throw LevelInterrupted() }
        let holders = link.pool.assigned
        let plan = ReductionRequest(
            batch: batch, derived: derived, canDerive: keptBy == owners, holders: holders, candidates: shape.candidates)
        request += 1
        let id = request
        var r = Canopy_Wire_Reduction()
        r.level = UInt32(level)
        r.owners = zip(plan.owners, plan.ranges).map { identity, range in
            var o = peer(identity)
            o.first = UInt32(range.lowerBound)
            o.end = UInt32(range.upperBound)
            return o
        }
        r.holders = holders.map { link.pool.peers[$0]?.id ?? "" }
        r.holderKeys = holders.map { link.pool.peers[$0]?.peerKey ?? "" }
        r.derive = plan.derive
        r.settled = settled
        r.keep = keepNext.map(Canopy_Wire_NodeRef.init)
        keepNext = []
        var c = Canopy_Wire_ComputeHistograms()
        c.job = job
        c.request = id
        c.nodes = plan.nodes.map(Canopy_Wire_NodeRef.init)
        c.reduction = r
        c.level = UInt32(level)
        reductions[id] = (plan, [:])
        link.update(.sent(id, .evaluations, answering: plan.finishers))
        figures.bytesSent += link.send(Envelope.make { $0.compute = c }, to: holders)
        return id
    }

    /// A worker as other workers reach it: peer id, peer endpoint and key.
    func peer(_ identity: PeerIdentity) -> Canopy_Wire_Owner {
        var o = Canopy_Wire_Owner()
        let peer = link.pool.peers[identity]
        o.peerID = peer?.id ?? ""
        o.endpoint = peer?.peerEndpoint ?? ""
        o.key = peer?.peerKey ?? ""
        return o
    }

    /// The evaluations of request `id` in item order, once every finisher answered.
    func finishEvaluations(_ id: UInt64) throws -> [(NodeKey, NodeEvaluation)] {
        try complete(id)
        guard let done = reductions.removeValue(forKey: id) else { return [] }
        returned = max(returned, id)
        var out: [(NodeKey, NodeEvaluation)] = []
        for (i, key) in done.plan.items.enumerated() {
            // A finisher lost after the others answered leaves items without an evaluation.
            guard let e = done.results[i] else { throw LevelInterrupted() }
            out.append((key, e))
        }
        return out
    }

    /// A finisher's evaluations: kept if they are exactly its items and each fits the request;
    /// otherwise its sender is dropped, as a lost worker (the level starts over).
    func receive(evaluations e: Canopy_Wire_Evaluations, from identity: PeerIdentity) {
        guard e.job == job, link.pool.isWaiting(e.request, on: identity) else { return }
        guard link.pool.kind(of: e.request) == .evaluations, let plan = reductions[e.request]?.plan,
            let index = plan.owners.firstIndex(of: identity)
        else {
            link.update(.misbehaved(identity, "answered a request with evaluations it did not ask for"))
            return
        }
        let expected = plan.items(of: index).map(UInt32.init)
        guard e.items.map(\.item) == expected else {
            link.update(
                .misbehaved(identity, "sent evaluations of items \(e.items.map(\.item).prefix(8)) instead of \(expected.prefix(8))"))
            return
        }
        var results: [Int: NodeEvaluation] = [:]
        do {
            for item in e.items { results[Int(item.item)] = try item.evaluation(shape: shape, candidates: 0..<shape.candidates) }
        } catch {
            link.update(.misbehaved(identity, "sent an unreadable evaluation: \(error)"))
            return
        }
        reductions[e.request]?.results.merge(results) { a, _ in a }
        figures.bytesReceived += (try? e.serializedBytes() as [UInt8])?.count ?? 0
        link.update(.answered(e.request, identity))
    }
}
