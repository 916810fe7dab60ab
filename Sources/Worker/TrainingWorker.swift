import CZeroMQ
import Dataset
import Foundation
import Logging
import RDTCore
import Training
import WireProtocol

/// A training worker's connection: registers with the coordinator, loads the frames it is assigned,
/// computes node-batch histograms with RDTCore's kernel and routes its pixels after each level.
/// Socket I/O stays on the calling thread (heartbeats never wait for a computation); loading and
/// counting run on one background queue, in the order the coordinator asked for them.
public final class TrainingWorker {
    public let endpoint: String
    public let threads: Int
    public var logger: Logger
    /// How long the coordinator may be silent before the worker gives up (ms).
    public var coordinatorTimeoutMs = 15_000
    /// How long to wait for the first answer to Hello (ms).
    public var connectTimeoutMs = 20_000
    /// Fault injection for the reliability tests (`WorkerFault`).
    public var fault: WorkerFault?
    /// This worker's key pair for its peer socket (nil: plaintext, as its coordinator link).
    public var peerKeys: CurveKeyPair?
    /// The host name other workers reach this one by (the peer socket listens on every interface).
    public var advertiseHost = ProcessInfo.processInfo.hostName
    /// The peer socket's port (0: a free one).
    public var peerPort = 0

    /// What a worker moved and how long it computed: logged when it stops, read by `bench scale`.
    public struct Traffic: Equatable, Sendable {
        public var coordinatorIn = 0, coordinatorOut = 0, peersIn = 0, peersOut = 0
        /// Seconds its compute queue was busy (loading, counting, reducing, routing), and from
        /// its first assignment to the end.
        public var busySeconds = 0.0, seconds = 0.0

        /// The same four byte counts by tree level (the level of the coordinator's last request;
        /// -1 before the first, while loading).
        public var byLevel: [Int: [Int]] = [:]
        /// Busy seconds by the same levels (of the request current when each step was queued).
        public var busyByLevel: [Int: Double] = [:]

        /// Adds `bytes` to counter `k` (coordinator in, out, peers in, out) at `level`.
        mutating func add(_ bytes: Int, _ k: Int, level: Int) {
            switch k {
            case 0: coordinatorIn += bytes
            case 1: coordinatorOut += bytes
            case 2: peersIn += bytes
            default: peersOut += bytes
            }
            byLevel[level, default: [0, 0, 0, 0]][k] += bytes
        }

        /// "traffic: coordinator in N out N bytes, peers in N out N bytes, busy S of S s", then a
        /// line per level: "traffic level L: coordinator in N out N bytes, peers in N out N bytes, busy S s".
        public var lines: [String] {
            [
                String(
                    format: "traffic: coordinator in %d out %d bytes, peers in %d out %d bytes, busy %.2f of %.2f s", coordinatorIn,
                    coordinatorOut, peersIn, peersOut, busySeconds, seconds)
            ]
                + Set(byLevel.keys).union(busyByLevel.keys).sorted().map { l in
                    let b = byLevel[l] ?? [0, 0, 0, 0]
                    return String(
                        format: "traffic level %d: coordinator in %d out %d bytes, peers in %d out %d bytes, busy %.2f s", l, b[0],
                        b[1], b[2], b[3], busyByLevel[l] ?? 0)
                }
        }
    }
    public private(set) var traffic = Traffic()
    /// Busy time in all and by level, kept by the compute queue; when the first assignment came.
    private var busyNs: UInt64 = 0
    private var busyNsByLevel: [Int: UInt64] = [:]
    private var firstAssigned: UInt64?

    private let work = DispatchQueue(label: "canopy.worker.compute")
    private let lock = NSLock()
    private var outbox: [Outgoing] = []
    /// The compute queue's end of an inproc pair: a byte on it wakes the socket loop as soon as
    /// a reply is in the outbox (instead of at its next poll timeout).
    private var waker: ZMQSocket?
    /// The job loaded here and this worker's part in the reduction; touched only on the compute queue.
    private var job: WorkerJob?
    private var reducer: Reducer?
    private var handoff: SubtreeHandoff?

    public init(
        endpoint: String, threads: Int = ProcessInfo.processInfo.activeProcessorCount,
        logger: Logger = Logger(label: "worker")
    ) {
        self.endpoint = endpoint
        self.threads = max(1, threads)
        self.logger = logger
    }

    /// Called from the compute queue only (the waker socket is used by that queue alone).
    func post(_ message: WireMessage) { post([.coordinator(message)]) }

    func post(_ messages: [Outgoing]) {
        guard !messages.isEmpty else { return }
        lock.lock()
        outbox += messages
        lock.unlock()
        try? waker?.send([[1]], dontWait: true)
    }

    func takeOutbox() -> [Outgoing] {
        lock.lock()
        defer { lock.unlock() }
        let out = outbox
        outbox = []
        return out
    }

    /// Runs until told to stop, refused, or the coordinator is gone.
    public func run(configure: (ZMQSocket) throws -> Void = { _ in }) throws -> WorkerExit {
        let context = try ZMQContext()
        let socket = try ZMQSocket(context, .dealer)
        try socket.setMaxMessageSize(Int64(WireCodec.maxFrameBytes))
        try configure(socket)
        try socket.connect(endpoint)
        let wake = try ZMQSocket(context, .pair)
        let wakeEndpoint = "inproc://canopy-worker-wake-\(UInt(bitPattern: ObjectIdentifier(self).hashValue))"
        try wake.bind(wakeEndpoint)
        let waker = try ZMQSocket(context, .pair)
        try waker.connect(wakeEndpoint)
        work.sync { self.waker = waker }
        defer { work.sync { self.waker = nil } }
        let peers = try PeerLink(context: context, pair: peerKeys, host: advertiseHost, port: peerPort) { [logger] in
            logger.warning("\($0)")
        }
        defer {
            work.sync {
                traffic.busySeconds = Double(busyNs) / 1e9
                traffic.busyByLevel = busyNsByLevel.mapValues { Double($0) / 1e9 }
                traffic.seconds = firstAssigned.map { Double(DispatchTime.now().uptimeNanoseconds - $0) / 1e9 } ?? 0
            }
            peers.close()
        }
        var hello = Canopy_Wire_Hello()
        hello.role = "worker"
        hello.host = ProcessInfo.processInfo.hostName
        hello.cores = UInt32(ProcessInfo.processInfo.activeProcessorCount)
        hello.memoryBytes = ProcessInfo.processInfo.physicalMemory
        hello.pid = UInt32(getpid())
        hello.threads = UInt32(threads)
        hello.peerEndpoint = peers.endpoint
        hello.peerKey = peers.publicKey
        try socket.send(Envelope.make { $0.hello = hello })
        var heartbeatMs = 1000
        var lastHeard = DispatchTime.now().uptimeNanoseconds
        var lastSent = lastHeard
        var welcomed = false
        var trigger = WorkerFault.Trigger(fault)
        var level = -1
        while true {
            for outgoing in takeOutbox() {
                switch outgoing {
                case .coordinator(let message):
                    trigger.beforeSending(message)
                    traffic.add(try socket.send(message), 1, level: level)
                    lastSent = DispatchTime.now().uptimeNanoseconds
                    trigger.afterSending(message)
                case let .peer(endpoint, key, message):
                    traffic.add(try peers.send(message, to: endpoint, key: key), 3, level: level)
                }
            }
            peers.serveGate()
            for _ in 0..<10_000 {
                let received: (message: WireMessage?, bytes: Int)?
                do {
                    received = try peers.receive()
                } catch {
                    logger.warning("dropped a message on the peer socket that does not decode: \(error)")
                    continue
                }
                guard let received else { break }
                traffic.add(received.bytes, 2, level: level)
                guard let message = received.message else { continue }
                switch message.envelope.body {
                case .peerCounts(let m):
                    let bulk = message.bulk
                    work.async { [level] in self.busy(level) { self.reduce { try $0.receive(m, bulk: bulk, job: $1) } } }
                case .peerBest(let m):
                    work.async { [level] in self.busy(level) { self.reduce { try $0.receive(m, job: $1) } } }
                case .peerBins(let m):
                    let bulk = message.bulk
                    work.async { [level] in self.busy(level) { self.handOff { try $0.receive(m, bulk: bulk, job: $1) } } }
                default:
                    logger.warning("ignored a \(message.kind) message on the peer socket")
                }
            }
            let now = DispatchTime.now().uptimeNanoseconds
            let silentMs = Int((now - lastHeard) / 1_000_000)
            if silentMs > (welcomed ? coordinatorTimeoutMs : connectTimeoutMs) {
                work.sync {}  // let a running computation finish before the process ends
                return .coordinatorGone(endpoint)
            }
            if welcomed && Int((now - lastSent) / 1_000_000) >= heartbeatMs {
                try socket.send(Envelope.make { $0.heartbeat = Canopy_Wire_Heartbeat() })
                lastSent = now
            }
            let ready = try ZMQSocket.poll([socket, wake, peers.socket], timeoutMs: 20)
            if ready[1] { while try wake.receive(timeoutMs: 0) != nil {} }
            guard ready[0], let frames = try socket.receive(timeoutMs: 0) else { continue }
            let bytes = frames.reduce(0) { $0 + $1.count }
            lastHeard = DispatchTime.now().uptimeNanoseconds
            let message: WireMessage
            do {
                message = try WireCodec.decode(frames[...])
            } catch let error as WireError {
                if case .versionMismatch = error { return .refused(error.description) }
                logger.warning("dropped a message from the coordinator: \(error)")
                traffic.add(bytes, 0, level: level)
                continue
            }
            switch message.envelope.body {
            case .compute(let c): level = Int(c.level)
            case .growSubtrees(let g): level = Int(g.level)
            case .apply(let a): level = Int(a.level)
            default: break
            }
            traffic.add(bytes, 0, level: level)
            switch message.envelope.body {
            case .welcome(let w):
                welcomed = true
                heartbeatMs = Int(min(max(w.heartbeatMs, 50), 60_000))
                logger.info("registered with \(endpoint) as \(w.peerID)")
                let me = w.peerID, mine = peers.endpoint
                work.async {
                    self.reducer = Reducer(me: me)
                    self.handoff = SubtreeHandoff(me: me, endpoint: mine)
                }
            case .refused(let r):
                return .refused(r.reason)
            case .shutdown(let s):
                work.sync {}
                return .shutdown(s.reason)
            case .heartbeat:
                break
            case .assign(let a):
                let route = message.bulk
                work.async { [level] in self.busy(level) { self.assign(a, route: route) } }
            case .rejoin(let r):
                // The coordinator does not know this connection (it restarted): start over.
                logger.warning("the coordinator asks to register again (\(r.reason))")
                work.sync { self.job = nil }  // after whatever the queue still had to do
                welcomed = false
                lastHeard = DispatchTime.now().uptimeNanoseconds
                try socket.send(Envelope.make { $0.hello = hello })
            case .compute(let c):
                if c.hasReduction { peers.admit(c.reduction.holderKeys) }
                work.async { [level] in self.busy(level) { self.compute(c) } }
            case .apply(let a):
                work.async { [level] in self.busy(level) { self.apply(a) } }
            case .growSubtrees(let g):
                peers.admit(g.holderKeys)
                work.async { [level] in self.busy(level) { self.handOff { try $0.start(g, job: $1) } } }
            default:
                logger.warning("ignored an unexpected \(message.kind) message")
            }
        }
    }

    func fail(_ job: String, _ text: String) {
        logger.error("\(text)")
        var e = Canopy_Wire_WorkerError()
        e.job = job
        e.message = "worker \(ProcessInfo.processInfo.hostName) pid \(getpid()): \(text)"
        post(Envelope.make { $0.workerError = e })
    }

    /// Runs a step of the compute queue, adding its time to the busy time (in all and at `level`).
    func busy(_ level: Int, _ step: () -> Void) {
        let start = DispatchTime.now().uptimeNanoseconds
        step()
        let ns = DispatchTime.now().uptimeNanoseconds - start
        busyNs += ns
        busyNsByLevel[level, default: 0] += ns
    }

    func assign(_ a: Canopy_Wire_AssignShards, route: [[UInt8]]) {
        if firstAssigned == nil { firstAssigned = DispatchTime.now().uptimeNanoseconds }
        reducer?.reset()
        handoff?.reset()
        do {
            let loaded = try WorkerJob.load(a, route: route, threads: threads) { [logger] in logger.info("\($0)") }
            job = loaded
            post(loaded.ready(epoch: a.epoch))
        } catch {
            job = nil
            fail(a.job, "cannot load job \(a.job): \(error)")
        }
    }

    func compute(_ c: Canopy_Wire_ComputeHistograms) {
        guard let j = job, j.job == c.job else { return fail(c.job, "asked for histograms of job \(c.job), which is not loaded here") }
        if c.hasReduction { return reduce { try $0.start(c, job: $1) } }
        do { post(try j.histograms(c)) } catch { fail(c.job, "cannot compute histograms: \(error)") }
    }

    /// A step of the reduction, on the compute queue: its messages go out, its failure fails the job.
    func reduce(_ step: (Reducer, WorkerJob) throws -> [Outgoing]) { run(reducer, "cannot reduce", step) }

    /// A step of the subtree handoff, on the compute queue: its messages go out, its failure fails the job.
    func handOff(_ step: (SubtreeHandoff, WorkerJob) throws -> [Outgoing]) {
        run(handoff, "cannot grow handed-off subtrees", step)
    }

    /// Runs a step of `part` (nothing without a job or the part): posts its messages; a failure
    /// fails the job with `what` and the error.
    private func run<Part>(_ part: Part?, _ what: String, _ step: (Part, WorkerJob) throws -> [Outgoing]) {
        guard let j = job, let part else { return }
        do { post(try step(part, j)) } catch { fail(j.job, "\(what): \(error)") }
    }

    func apply(_ a: Canopy_Wire_ApplySplits) {
        guard let j = job, j.job == a.job else { return fail(a.job, "asked to apply splits of job \(a.job), which is not loaded here") }
        reducer?.endLevel(keeping: a.keep.map(\.key))
        reducer?.forget(before: a.request)
        handoff?.forget(before: a.request)
        do { post(try j.apply(a)) } catch { fail(a.job, "cannot apply splits: \(error)") }
    }
}
