import Logging

/// A peer's connection, as the coordinator's ROUTER socket names it.
public typealias PeerIdentity = [UInt8]

/// The coordinator's workers as a state machine: who is registered, who holds which frames
/// (under which epoch), who still loads, which requests wait on whom, and when a worker is lost
/// (silent, past its request deadline, gone, or misbehaving). A value type driven by `on(_:now:)`
/// with the time passed in, so it runs under a fake clock in tests; it never touches a socket:
/// what it decides comes back as `Action`s for the caller to carry out.
public struct WorkerPool {
    public struct Settings: Equatable {
        public var heartbeatMs = 500
        /// A worker silent this long is lost.
        public var workerTimeoutMs = 3_000
        /// A worker with a request outstanding must answer one within this floor plus
        /// `requestTimeoutFactor` x its samples x candidates x 5 ns (counting them all once),
        /// counted from the request or its previous reply.
        public var requestTimeoutMs = 30_000
        public var requestTimeoutFactor = 10.0

        public init() {}
    }

    /// One registered worker.
    public struct Peer: Equatable {
        public var id: String
        public var identity: PeerIdentity
        public var host: String
        public var pid: Int
        public var threads: Int
        /// Where other workers reach it for the reduction, and the key it presents there.
        public var peerEndpoint = ""
        public var peerKey = ""
        var lastSeen: UInt64
        /// When it last answered a request.
        var lastReply: UInt64 = 0
        /// The epoch of the last assignment sent to it, and of the last one it is ready with.
        public internal(set) var assignedEpoch: UInt64?
        public internal(set) var readyEpoch: UInt64?
        /// Samples it holds (its last Ready).
        public internal(set) var samples = 0

        public var isReady: Bool { readyEpoch != nil && readyEpoch == assignedEpoch }
    }

    public enum RequestKind: Equatable { case histograms, evaluations, subtrees, apply }

    struct Request {
        let kind: RequestKind
        let sentAt: UInt64
        var waiting: Set<PeerIdentity>
    }

    public enum Event {
        /// A worker registered (again, if the identity is known: what it held is gone).
        case hello(PeerIdentity, host: String, pid: Int, threads: Int, peerEndpoint: String = "", peerKey: String = "")
        /// Any message from this connection arrived.
        case heard(PeerIdentity)
        /// A worker loaded the frames of `epoch`.
        case ready(PeerIdentity, epoch: UInt64, samples: Int, memoryBytes: Int)
        /// Request `id` went to every worker holding frames; the answers come from `answering`
        /// (default: every one of them).
        case sent(UInt64, RequestKind, answering: [PeerIdentity]? = nil)
        /// A worker answered request `id` with a reply that fits it.
        case answered(UInt64, PeerIdentity)
        /// Request `id` is complete or abandoned.
        case closed(UInt64)
        /// Every request is abandoned (the level starts over).
        case closedAll
        /// Its connection closed (a send found it unroutable).
        case unreachable(PeerIdentity)
        /// Its reply does not fit the request it answers: it is told why and dropped.
        case misbehaved(PeerIdentity, String)
        /// A new job: its frame count and candidates per tree (for request deadlines).
        case startJob(frames: Int, candidates: Int)
        case endJob
        /// Bring the frame plan up to date with the live workers.
        case rebalance
        /// Time passed: heartbeats, silences and request deadlines.
        case tick
    }

    public enum Action: Equatable {
        case welcome(PeerIdentity, peerID: String)
        case heartbeat([PeerIdentity])
        case refuse(PeerIdentity, reason: String)
        /// Load these frames (ranges of the job's frames in shard order) under this epoch, and
        /// route their pixels through the current trees.
        case assign(PeerIdentity, epoch: UInt64, frames: [Range<Int>])
        case log(Logger.Level, String)
    }

    public let settings: Settings
    public private(set) var peers: [PeerIdentity: Peer] = [:]
    /// Registered workers in join order.
    public private(set) var order: [PeerIdentity] = []
    /// Workers holding frames of the current job, in join order.
    public private(set) var assigned: [PeerIdentity] = []
    /// Workers whose assignment is not loaded yet.
    public private(set) var loading = Set<PeerIdentity>()
    /// Set when a worker holding frames is lost; cleared by `rebalance`.
    public private(set) var interrupted = false
    /// Workers lost while holding frames, in this job.
    public private(set) var lostHolding = 0
    public private(set) var epoch: UInt64 = 0
    private(set) var plan = FramePlan<PeerIdentity>(frames: 0)
    private(set) var requests: [UInt64: Request] = [:]
    private var candidates = 0
    private var registered = 0
    private var lastHeartbeat: UInt64 = 0

    public init(settings: Settings = Settings()) {
        self.settings = settings
    }

    /// The frames `identity` holds, as ranges of the job's frames.
    public func frames(of identity: PeerIdentity) -> [Range<Int>] { plan.ranges(of: identity) }

    /// Whether request `id` still waits on `identity` (else a reply from it is stale).
    public func isWaiting(_ id: UInt64, on identity: PeerIdentity) -> Bool { requests[id]?.waiting.contains(identity) ?? false }

    public func kind(of id: UInt64) -> RequestKind? { requests[id]?.kind }

    /// Whether every worker request `id` went to has answered or is gone.
    public func isComplete(_ id: UInt64) -> Bool { requests[id]?.waiting.isEmpty ?? true }

    public mutating func on(_ event: Event, now: UInt64) -> [Action] {
        switch event {
        case let .hello(identity, host, pid, threads, peerEndpoint, peerKey):
            var actions = peers[identity] == nil ? [] : forget(identity, why: "it registered again")
            registered += 1
            let id = "w\(registered)"
            peers[identity] = Peer(
                id: id, identity: identity, host: host, pid: pid, threads: threads, peerEndpoint: peerEndpoint, peerKey: peerKey,
                lastSeen: now)
            order.append(identity)
            actions += [.log(.info, "worker \(id) joined from \(host) (pid \(pid), \(threads) threads)"), .welcome(identity, peerID: id)]
            return actions
        case let .heard(identity):
            peers[identity]?.lastSeen = now
            return []
        case let .ready(identity, readyEpoch, samples, memoryBytes):
            guard var p = peers[identity], p.assignedEpoch == readyEpoch else { return [] }
            p.readyEpoch = readyEpoch
            p.samples = samples
            peers[identity] = p
            loading.remove(identity)
            return [.log(.info, "worker \(p.id) ready: \(samples) samples, \(memoryBytes / 1_048_576) MiB")]
        case let .sent(id, kind, answering):
            requests[id] = Request(kind: kind, sentAt: now, waiting: Set(answering ?? assigned))
            return []
        case let .answered(id, identity):
            guard requests[id]?.waiting.remove(identity) != nil else { return [] }
            peers[identity]?.lastReply = now
            return []
        case let .closed(id):
            requests[id] = nil
            return []
        case .closedAll:
            requests = [:]
            return []
        case let .unreachable(identity):
            return forget(identity, why: "its connection closed")
        case let .misbehaved(identity, why):
            let name = peers[identity]?.id ?? "?"
            return [.refuse(identity, reason: "worker \(name) \(why); dropped")] + forget(identity, why: "bad reply: \(why)")
        case let .startJob(frames, candidates):
            plan = FramePlan(frames: frames)
            self.candidates = candidates
            assigned = []
            loading = []
            requests = [:]
            interrupted = false
            lostHolding = 0
            return []
        case .endJob:
            plan = FramePlan(frames: 0)
            assigned = []
            loading = []
            requests = [:]
            interrupted = false
            return []
        case .rebalance:
            return rebalance()
        case .tick:
            return tick(now)
        }
    }

    /// How long a worker holding `samples` may take to answer one request, in nanoseconds.
    public func requestDeadlineNs(samples: Int) -> UInt64 {
        let work = settings.requestTimeoutFactor * Double(samples) * Double(candidates) * 5
        return UInt64(settings.requestTimeoutMs) * 1_000_000 + UInt64(min(work, 1e15))
    }

    private mutating func rebalance() -> [Action] {
        interrupted = false
        loading = loading.filter { peers[$0] != nil }
        guard !order.isEmpty else { return [] }
        let changed = plan.rebalance(live: order)
        assigned = order.filter { plan.load(of: $0) > 0 }
        guard !changed.isEmpty else { return [] }
        epoch += 1
        return order.filter(changed.contains).map { identity in
            peers[identity]?.assignedEpoch = epoch
            peers[identity]?.readyEpoch = nil
            loading.insert(identity)
            return .assign(identity, epoch: epoch, frames: plan.ranges(of: identity))
        }
    }

    /// Timeouts are judged by the caller only with its queue drained, so a coordinator busy for a
    /// while never mistakes its own delay for silent workers.
    private mutating func tick(_ now: UInt64) -> [Action] {
        var actions: [Action] = []
        if now >= lastHeartbeat + UInt64(settings.heartbeatMs) * 1_000_000 || lastHeartbeat == 0 {
            lastHeartbeat = now
            if !order.isEmpty { actions.append(.heartbeat(order)) }
        }
        for identity in order {
            guard let p = peers[identity], now > p.lastSeen, (now - p.lastSeen) / 1_000_000 > UInt64(settings.workerTimeoutMs) else {
                continue
            }
            actions += forget(identity, why: "silent for over \(settings.workerTimeoutMs) ms")
        }
        for identity in assigned {
            guard let p = peers[identity],
                let oldest = requests.filter({ $0.value.waiting.contains(identity) }).min(by: { $0.key < $1.key })
            else { continue }
            let since = max(p.lastReply, oldest.value.sentAt)
            guard now > since, now - since > requestDeadlineNs(samples: p.samples) else { continue }
            let seconds = Double(now - since) / 1e9
            actions += forget(
                identity,
                why:
                    "no reply to request \(oldest.key) for \(String(format: "%.1f", seconds)) s (its deadline, --request-timeout and its factor)"
            )
        }
        return actions
    }

    /// Drops a worker. If it held frames, the job is interrupted (its frames go to live workers at
    /// the next `rebalance`); no request waits on it any more.
    private mutating func forget(_ identity: PeerIdentity, why: String) -> [Action] {
        guard let p = peers.removeValue(forKey: identity) else { return [] }
        order.removeAll { $0 == identity }
        loading.remove(identity)
        for id in requests.keys { requests[id]?.waiting.remove(identity) }
        guard let index = assigned.firstIndex(of: identity) else {
            return [.log(.info, "worker \(p.id) (\(p.host)) left: \(why)")]
        }
        assigned.remove(at: index)
        interrupted = true
        lostHolding += 1
        return [
            .log(.warning, "worker \(p.id) (\(p.host)) lost: \(why); its \(plan.load(of: identity)) frames go to live workers")
        ]
    }
}
