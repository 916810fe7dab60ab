import Dataset
import Foundation
import RDTCore
import Training
import WireProtocol

/// A job's histograms counted by the cluster's workers: it hands out ranges of the job's frames
/// (through the pool's plan), sends each node batch to every worker holding pixels, sums their replies
/// and routes their pixels after each level. Pipelined: the next batches are sent before the
/// current one is decided. A worker lost while holding pixels interrupts the level
/// (`LevelInterrupted`); the run starts it over after `prepare`.
final class ClusterSource: TrainingSource {
    unowned let link: ClusterLink
    let job: String
    let shape: HistogramShape
    let prefetchDepth: Int
    /// The job's frame ids in shard order (shard name, then position in the shard): the pool's
    /// plan hands out ranges of this list.
    let frames: [UInt64]
    private let uses: FrameUses
    /// AssignShards without epoch, frames and route.
    private let template: Canopy_Wire_AssignShards
    var request: UInt64 = 0
    private var sums: [UInt64: [[UInt32]]] = [:]
    var prefetched: [(nodes: [NodeKey], id: UInt64)] = []
    var figures = TrainingReport.Cluster()
    /// Seconds spent waiting for workers to route their pixels (of `figures.secondsWaiting`).
    private(set) var applySeconds = 0.0
    /// Pixels the workers counted, summed over batches.
    private(set) var pixelsCounted = 0
    /// Fail after this long with no worker at all (nil: wait for one however long).
    var noWorkerTimeoutMs: Int?
    /// Whether the workers reduce among themselves (docs/protocol.md, Reduction): the grower then
    /// gets evaluations, and the histograms never reach the coordinator.
    let reduceOnWorkers: Bool
    var level = 0
    var derived: [NodeKey: NodeKey] = [:]
    /// Reduction requests in flight: their plan and the evaluations received so far, by item.
    var reductions: [UInt64: (plan: ReductionRequest, results: [Int: NodeEvaluation])] = [:]
    /// Decided nodes whose slices the owners keep, not yet told them (sent with the next request
    /// or the level's decisions); the last request whose evaluations the grower has, and the last
    /// whose nodes it has decided (and said which to keep).
    var keepNext: [NodeKey] = []
    var returned: UInt64 = 0
    var settled: UInt64 = 0
    /// The owners that kept the last level's slices (nil: none kept): only they can derive.
    var keptBy: [PeerIdentity]?
    /// Nodes with at most this many pixels are handed off as bins to one worker, which grows the
    /// whole subtree (0: never; only with the reduction among workers, which has peer sockets).
    let handoffPixels: Int
    /// Handoff requests in flight: each target's roots, and the evaluations received.
    var handoffs: [UInt64: (targets: [PeerIdentity: [NodeKey]], results: [(NodeKey, NodeEvaluation)])] = [:]
    /// The handoff started and not yet finished (`startSmallSubtrees`): its request and roots.
    var handingOff: (id: UInt64, roots: [NodeKey])?

    /// `template` is the job's AssignShards without epoch, frames and route.
    init(
        link: ClusterLink, job: String, shape: HistogramShape, frames: [UInt64], uses: FrameUses,
        template: Canopy_Wire_AssignShards, prefetchDepth: Int, reduceOnWorkers: Bool = false, handoffPixels: Int = 0
    ) {
        self.handoffPixels = reduceOnWorkers ? max(0, handoffPixels) : 0
        self.reduceOnWorkers = reduceOnWorkers
        self.link = link
        self.job = job
        self.shape = shape
        self.frames = frames
        self.uses = uses
        self.template = template
        self.prefetchDepth = prefetchDepth
    }

    convenience init(link: ClusterLink, setup: JobSetup, prefetchDepth: Int, reduceOnWorkers: Bool, handoffPixels: Int?) {
        var t = Canopy_Wire_AssignShards()
        t.job = setup.job.name
        t.dataset = setup.datasetRoot
        t.parametersJson = setup.parameters.json.serialized(pretty: false)
        t.labels = UInt32(setup.labelCount)
        t.candidates = setup.candidates.map(Canopy_Wire_TreeCandidates.init)
        self.init(
            link: link, job: setup.job.name, shape: setup.makeGrower().shape,
            frames: Self.shardOrder(setup.uses.frames, manifest: setup.manifest), uses: setup.uses,
            template: t, prefetchDepth: prefetchDepth, reduceOnWorkers: reduceOnWorkers,
            handoffPixels: handoffPixels ?? LocalTrainingData.defaultSmallNodeMemory / max(1, setup.parameters.nUVs))
    }

    var pipelined: Bool { true }

    var clusterFigures: TrainingReport.Cluster? {
        var f = figures
        f.workers = link.pool.assigned.count
        f.workersLost = link.pool.lostHolding
        return f
    }

    /// `ids` in shard order: by shard name, then position in the shard.
    static func shardOrder(_ ids: [UInt64], manifest: DatasetManifest) -> [UInt64] {
        let place = Dictionary(manifest.frames.map { ($0.id, ($0.shard, $0.index)) }, uniquingKeysWith: { a, _ in a })
        return ids.sorted { a, b in
            let (x, y) = (place[a] ?? ("", 0), place[b] ?? ("", 0))
            return (x.0, x.1, a) < (y.0, y.1, b)
        }
    }

    // MARK: frames

    /// Brings the frame plan up to date with the live workers; each worker whose frames changed
    /// loads them and routes its pixels through `trees`. Returns once every worker holding frames
    /// is ready; starts over if one is lost meanwhile, and waits while there are none.
    func prepare(_ trees: [DecisionTree]) throws {
        var announced = false
        while true {
            if link.pool.order.isEmpty {
                if !announced { link.log(.warning, "job \(job): no workers left; waiting for one to join") }
                announced = true
                try wait(noWorkersFor: noWorkerTimeoutMs) { !link.pool.order.isEmpty }
                continue
            }
            let assignments = link.update(.rebalance).compactMap { action -> (PeerIdentity, UInt64, [Range<Int>])? in
                guard case let .assign(identity, epoch, ranges) = action else { return nil }
                return (identity, epoch, ranges)
            }
            if assignments.isEmpty && link.pool.loading.isEmpty { return }
            if !assignments.isEmpty {
                let route = try RouteWire.routes(trees)
                for (identity, epoch, ranges) in assignments {
                    var a = template
                    a.epoch = epoch
                    a.route = route.map(\.info)
                    let held = ranges.flatMap { frames[$0] }
                    a.frames = held.map { Canopy_Wire_FrameAssignment(id: $0, uses: uses.uses[$0] ?? []) }
                    figures.bytesSent += link.send(
                        WireMessage(Envelope.make { $0.assign = a }.envelope, bulk: route.map(\.frame)),
                        to: [identity])
                    let name = link.pool.peers[identity]?.id ?? "?"
                    let spans = ranges.map { "\($0.lowerBound)-\($0.upperBound - 1)" }.joined(separator: ", ")
                    link.log(.info, "job \(job): \(held.count) frames (\(spans) of \(frames.count)) to worker \(name)")
                }
            }
            try wait { link.pool.loading.isEmpty || link.pool.interrupted }
            if !link.pool.interrupted { return }
        }
    }

    /// Forgets the requests of a level that starts over.
    func reset() {
        prefetched = []
        sums = [:]
        reductions = [:]
        handoffs = [:]
        handingOff = nil
        keptBy = nil
        link.update(.closedAll)
    }

    // MARK: histograms

    func prefetch(_ nodes: [NodeKey]) throws {
        prefetched.append((nodes, try reduceOnWorkers ? startEvaluations(nodes) : startHistograms(nodes)))
    }

    func histograms(for nodes: [NodeKey]) throws -> [[UInt32]] {
        try finish(try requestID(for: nodes, start: startHistograms))
    }

    /// The id of the request for `nodes`: the prefetched one, or one started now.
    func requestID(for nodes: [NodeKey], start: ([NodeKey]) throws -> UInt64) throws -> UInt64 {
        guard let p = prefetched.first, p.nodes == nodes else { return try start(nodes) }
        prefetched.removeFirst()
        return p.id
    }

    /// Waits until every worker request `id` waits on has answered or is gone, then closes it;
    /// returns the seconds waited (also added to the cluster's waiting time). `interruptible`:
    /// throws `LevelInterrupted` once a worker holding pixels is lost.
    @discardableResult
    func complete(_ id: UInt64, interruptible: Bool = true) throws -> Double {
        let start = link.now()
        try wait(interruptible: interruptible) { link.pool.isComplete(id) }
        let seconds = Double(link.now() - start) / 1e9
        figures.secondsWaiting += seconds
        link.update(.closed(id))
        return seconds
    }

    /// Sends a histogram request for `nodes` to every worker holding pixels; returns its id.
    func startHistograms(_ nodes: [NodeKey]) throws -> UInt64 {
        if link.pool.interrupted { throw LevelInterrupted() }
        request += 1
        var c = Canopy_Wire_ComputeHistograms()
        c.job = job
        c.request = request
        c.nodes = nodes.map(Canopy_Wire_NodeRef.init)
        c.level = UInt32(level)
        sums[request] = nodes.map { _ in [UInt32](repeating: 0, count: shape.countsPerNode) }
        link.update(.sent(request, .histograms))
        figures.bytesSent += link.send(Envelope.make { $0.compute = c }, to: link.pool.assigned)
        return request
    }

    /// The summed histograms of request `id`, once every worker answered.
    func finish(_ id: UInt64) throws -> [[UInt32]] {
        try complete(id)
        return sums.removeValue(forKey: id) ?? []
    }

    /// A worker's histograms: added to the sums if they fit the request they answer; a reply
    /// that does not fit never enters a sum, and its sender is dropped (its frames go to live
    /// workers and the level starts over). Stale replies are ignored.
    func receive(_ h: Canopy_Wire_Histograms, bulk: [[UInt8]], from identity: PeerIdentity) {
        guard h.job == job, link.pool.isWaiting(h.request, on: identity) else { return }
        guard link.pool.kind(of: h.request) == .histograms, var accumulators = sums[h.request] else {
            link.update(.misbehaved(identity, "answered an apply request with histograms"))
            return
        }
        guard h.nodes.count == accumulators.count, bulk.count == h.nodes.filter({ $0.rawBytes > 0 }).count else {
            link.update(.misbehaved(identity, "sent \(h.nodes.count) histograms (\(bulk.count) frames) for \(accumulators.count) nodes"))
            return
        }
        // The sums are moved out while added to, so a bad frame leaves them as they were.
        sums[h.request] = nil
        var frames = bulk.makeIterator()
        var bytes = 0, pixels = 0
        do {
            for (i, info) in h.nodes.enumerated() where info.rawBytes > 0 {
                guard let frame = frames.next() else { break }
                bytes += frame.count
                pixels += Int(info.pixels)
                try accumulators[i].withUnsafeMutableBufferPointer {
                    try HistogramWire.add(frame, info: info, labels: shape.labels, into: $0)
                }
            }
        } catch {
            sums[h.request] = accumulators
            link.update(.misbehaved(identity, "sent an unreadable histogram: \(error)"))
            return
        }
        sums[h.request] = accumulators
        figures.bytesReceived += bytes
        pixelsCounted += pixels
        link.update(.answered(h.request, identity))
    }

    // MARK: routing

    /// Sends the level's decisions to every worker holding pixels and waits until each has routed
    /// them (a worker lost meanwhile is not waited for: its frames are reloaded with the trees).
    func apply(_ decisions: [(NodeKey, NodeDecision)]) throws {
        request += 1
        var a = Canopy_Wire_ApplySplits()
        a.job = job
        a.request = request
        a.decisions = decisions.map { Canopy_Wire_Decision($0.0, $0.1) }
        a.keep = keepNext.map(Canopy_Wire_NodeRef.init)
        a.level = UInt32(level)
        keptBy = reduceOnWorkers ? owners : nil
        keepNext = []
        let id = request
        link.update(.sent(id, .apply))
        figures.bytesSent += link.send(Envelope.make { $0.apply = a }, to: link.pool.assigned)
        applySeconds += try complete(id, interruptible: false)
    }

    func receive(applied a: Canopy_Wire_Applied, from identity: PeerIdentity) {
        guard a.job == job, link.pool.isWaiting(a.request, on: identity) else { return }
        guard link.pool.kind(of: a.request) == .apply else {
            link.update(.misbehaved(identity, "answered a histogram request with Applied"))
            return
        }
        link.update(.answered(a.request, identity))
    }

    /// Pumps until `done` holds; throws the job's failure if one comes first, where
    /// `interruptible` `LevelInterrupted` once a worker holding pixels is lost, and with
    /// `noWorkersFor` a failure once the pool has been empty that long.
    func wait(interruptible: Bool = false, noWorkersFor limitMs: Int? = nil, until done: () -> Bool) throws {
        var emptySince: UInt64?
        while true {
            if let f = link.failure { throw JobFailure(message: f) }
            if let limitMs {
                if !link.pool.order.isEmpty {
                    emptySince = nil
                } else if let since = emptySince, link.now() - since > UInt64(limitMs) * 1_000_000 {
                    throw JobFailure(
                        message:
                            "no worker for \(Double(limitMs) / 1000) s: none joined, or every one was lost; check that workers can reach the coordinator"
                    )
                } else if emptySince == nil {
                    emptySince = link.now()
                }
            }
            if interruptible && link.pool.interrupted { throw LevelInterrupted() }
            if done() { return }
            try link.pump(timeoutMs: 20)
        }
    }
}
