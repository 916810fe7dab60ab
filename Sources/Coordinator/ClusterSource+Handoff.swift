import Foundation
import RDTCore
import Training
import WireProtocol

/// Subtree handoff: the small nodes of a level go to workers (`HandoffTargets`: largest first to the
/// least loaded holder), every
/// holder sends each one's target its pixels as bins, and the target grows the whole subtree below
/// and sends back every evaluation. The deeper levels of those subtrees then need no requests.
/// Holders keep their counts of the roots in `denseFor` (from the same bins) for the reduction
/// that counts each with its large sibling, so no image is read for them twice.
extension ClusterSource {
    var smallNodePixels: Int { handoffPixels }

    func growSmallSubtrees(_ roots: [NodeKey], sizes: [Int], level: Int, rules: StoppingRules, denseFor: Set<NodeKey>) throws
        -> SmallSubtreeGrowth
    {
        try startSmallSubtrees(roots, sizes: sizes, level: level, rules: rules, denseFor: denseFor)
        return try finishSmallSubtrees()
    }

    /// The workers grow subtrees while they count the level's batches: a worker whose subtrees
    /// are done counts instead of waiting for the others.
    var overlapsSmallSubtrees: Bool { handoffPixels > 0 }

    /// Sends the level's handoff to every holder and returns at once.
    func startSmallSubtrees(_ roots: [NodeKey], sizes: [Int], level: Int, rules: StoppingRules, denseFor: Set<NodeKey>) throws {
        guard !roots.isEmpty else { return }
        if link.pool.interrupted { throw LevelInterrupted() }
        let holders = link.pool.assigned
        guard !holders.isEmpty else { throw LevelInterrupted() }
        let targets = HandoffTargets.assign(sizes: sizes, workers: holders.count).map { holders[$0] }
        request += 1
        let id = request
        var g = Canopy_Wire_GrowSubtrees()
        g.job = job
        g.request = id
        g.level = UInt32(level)
        g.roots = roots.map(Canopy_Wire_NodeRef.init)
        g.targets = targets.map(peer)
        g.holders = holders.map { link.pool.peers[$0]?.id ?? "" }
        g.holderKeys = holders.map { link.pool.peers[$0]?.peerKey ?? "" }
        g.dense = roots.filter(denseFor.contains).map(Canopy_Wire_NodeRef.init)
        handoffs[id] = (Dictionary(grouping: roots.indices, by: { targets[$0] }).mapValues { $0.map { roots[$0] } }, [])
        let answering = holders.filter { identity in targets.contains(identity) }
        link.update(.sent(id, .subtrees, answering: answering))
        figures.bytesSent += link.send(Envelope.make { $0.growSubtrees = g }, to: holders)
        handingOff = (id, roots)
    }

    /// Waits for the handoff started last: every root's evaluation and those below.
    func finishSmallSubtrees() throws -> SmallSubtreeGrowth {
        guard let (id, roots) = handingOff else { return SmallSubtreeGrowth() }
        handingOff = nil
        try complete(id)
        var growth = SmallSubtreeGrowth()
        growth.evaluations = handoffs.removeValue(forKey: id)?.results ?? []
        // Every root has its evaluation (a lost target leaves the level interrupted before this).
        let evaluated = Set(growth.evaluations.map(\.0))
        guard roots.allSatisfy(evaluated.contains) else { throw LevelInterrupted() }
        return growth
    }

    /// A target's evaluations: kept if every one lies in a subtree it was given, each root's is
    /// there and each fits the job; otherwise its sender is dropped, as a lost worker.
    func receive(subtrees s: Canopy_Wire_SubtreesGrown, from identity: PeerIdentity) {
        guard s.job == job, link.pool.isWaiting(s.request, on: identity) else { return }
        guard link.pool.kind(of: s.request) == .subtrees, let mine = handoffs[s.request]?.targets[identity] else {
            link.update(.misbehaved(identity, "answered a request with subtrees it did not ask for"))
            return
        }
        let roots = Set(mine)
        var results: [(NodeKey, NodeEvaluation)] = []
        var seen = Set<NodeKey>()
        do {
            for n in s.nodes {
                let key = n.node.key
                guard Self.lies(key, below: roots, maxDepth: 30), seen.insert(key).inserted else {
                    throw WireError.malformed("node (\(key.tree), \(key.node)) is in none of its subtrees, or twice")
                }
                results.append((key, try n.evaluation.evaluation(shape: shape, candidates: 0..<shape.candidates)))
            }
            guard roots.isSubset(of: seen) else { throw WireError.malformed("a subtree root has no evaluation") }
        } catch {
            link.update(.misbehaved(identity, "sent unusable subtrees: \(error)"))
            return
        }
        handoffs[s.request]?.results += results
        figures.bytesReceived += (try? s.serializedBytes() as [UInt8])?.count ?? 0
        link.update(.answered(s.request, identity))
    }

    /// Whether `key` is one of `roots` or below one, within `maxDepth` levels.
    static func lies(_ key: NodeKey, below roots: Set<NodeKey>, maxDepth: Int) -> Bool {
        var node = key.node
        for _ in 0...maxDepth {
            if roots.contains(NodeKey(tree: key.tree, node: node)) { return true }
            guard node > 0 else { return false }
            node = (node - 1) / 2
        }
        return false
    }
}
