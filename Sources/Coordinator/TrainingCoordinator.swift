import CZeroMQ
import Foundation
import ImagePipeline
import RDTCore
import WireProtocol

/// A job failed; the message names the cause (a worker's error, bad data).
public struct JobFailure: Error, CustomStringConvertible {
    public let message: String
    public var description: String { message }
}

/// A worker holding shards was lost while histograms were being counted: the level starts over
/// once its shards are with live workers.
struct WorkersLost: Error {}

/// The coordinator (DESIGN §6): a queue of training jobs, shard assignment, the level loop with
/// reduction of the workers' histograms, forests written atomically, and `status`/`fetch` served on
/// the same ROUTER socket. Single-threaded: while the level loop waits for workers, `pump` serves
/// every other peer.
public final class TrainingCoordinator {
    public struct Options {
        public var bind: String
        public var outputRoot: String
        /// Workers registered before a job starts.
        public var minWorkers = 1
        public var heartbeatMs = 500
        /// A worker silent this long (6 heartbeats) is lost; its shards go to live workers.
        public var workerTimeoutMs = 3_000
        /// A worker with a request outstanding must answer one within this floor plus
        /// `requestTimeoutFactor` x its samples x candidates x 5 ns (what counting them all once
        /// costs), counted from the request or its previous reply, or it is lost. Separate from
        /// heartbeats: a worker whose compute is stuck still heartbeats.
        public var requestTimeoutMs = 30_000
        public var requestTimeoutFactor = 10.0
        /// Return from `run` when the queue is empty (else keep serving status and fetch).
        public var exitWhenDone = true
        /// With `exitWhenDone`: keep serving status and fetch this long after the queue is done.
        public var lingerSeconds = 0.0
        /// Node batches the workers count ahead of the one being decided (each batch gets
        /// 1 / (depth + 1) of the histogram budget).
        public var prefetchDepth = 2
        /// Stop the workers when returning.
        public var shutdownWorkers = true
        /// CURVE with an allow list (`.server`), or plaintext for loopback demos.
        public var security = Security.plaintext

        public init(bind: String, outputRoot: String) {
            self.bind = bind
            self.outputRoot = outputRoot
        }
    }

    public enum JobState: String { case queued, loading, training, finished, failed }

    public final class JobRecord {
        public let job: TrainingJob
        public let dataset: String
        public internal(set) var state = JobState.queued
        public internal(set) var level = 0
        public internal(set) var nodesDone = 0
        public internal(set) var nodesAtLevel = 0
        public internal(set) var decidedPerTree: [Int]
        public internal(set) var pixelsCounted = 0
        public internal(set) var started: Date?
        public internal(set) var finished: Date?
        public internal(set) var files: [String] = []
        public internal(set) var error: String?
        public internal(set) var levels: [LevelRecord] = []
        public internal(set) var bytesReceived = 0
        public internal(set) var bytesSent = 0
        /// Seconds the level loop waited for workers' histograms and splits (the rest is the
        /// coordinator's own work: reduction, split choice).
        public internal(set) var waitSeconds = 0.0
        /// Of which waiting for workers to apply splits (route pixels) at the ends of levels.
        public internal(set) var applySeconds = 0.0
        /// Bytes received + sent during each level.
        public internal(set) var bytesPerLevel: [Int] = []
        /// Workers lost while holding shards, and levels started over because of it.
        public internal(set) var workersLost = 0
        public internal(set) var levelRestarts = 0
        /// The level this job resumed at from a checkpoint (nil: started at the roots).
        public internal(set) var resumedAt: Int?

        init(job: TrainingJob, dataset: String) {
            self.job = job
            self.dataset = dataset
            decidedPerTree = Array(repeating: 0, count: job.trees)
        }
    }

    struct Peer {
        var id: String
        var identity: [UInt8]
        var host: String
        var cores: Int
        var threads: Int
        var lastSeen: UInt64
        /// The epoch of the last AssignShards sent to it, and of the last Ready it answered.
        var assignedEpoch: UInt64?
        var readyEpoch: UInt64?
        var isWorker: Bool
        /// Its process id on its host, as it said in Hello (for operators: which process to look at).
        var pid = 0
        /// Samples it holds (its last Ready) and when it last answered a request.
        var samples = 0
        var lastReply: UInt64 = 0
    }

    public let options: Options
    public private(set) var jobs: [JobRecord]
    public var log: (String) -> Void
    public var onLevel: ((JobRecord, LevelRecord) -> Void)?
    /// Polled while a job waits on its workers; a reason fails the job (as when `canopy train`'s
    /// worker processes have all exited, so nobody is left to wait for).
    public var abortReason: (() -> String?)?
    /// The endpoint actually bound (a `*` port resolved).
    public private(set) var endpoint = ""

    private let context: ZMQContext
    private let socket: ZMQSocket
    private var gate: CurveGate?
    private var peers: [[UInt8]: Peer] = [:]
    private var workerOrder: [[UInt8]] = []
    private var nextPeer = 0
    private var lastHeartbeat: UInt64 = 0
    /// A request to the assigned workers and the replies it still waits for.
    final class Pending {
        let nodes: [NodeKey]
        var waiting: Set<[UInt8]>
        var accumulators: [[UInt32]]
        /// ApplySplits (a lost worker's reply is not needed) rather than histograms.
        let isApply: Bool
        let sentAt = TrainingCoordinator.now()
        init(nodes: [NodeKey], waiting: Set<[UInt8]>, accumulators: [[UInt32]], isApply: Bool = false) {
            self.nodes = nodes
            self.waiting = waiting
            self.accumulators = accumulators
            self.isApply = isApply
        }
    }
    private var request: UInt64 = 0
    private var pending: [UInt64: Pending] = [:]
    /// Workers a load (AssignShards) still waits for.
    private var waiting = Set<[UInt8]>()
    private var labelCount = 1
    private var epoch: UInt64 = 0
    /// Workers holding shards of the current job, in join order.
    private var assigned: [[UInt8]] = []
    private var failure: String?
    /// Set when a worker holding shards is lost; cleared once its shards are with live workers.
    private var interrupted = false
    /// Messages that did not decode, and messages that could not be sent.
    /// Messages dropped in all, and per known peer ("w3") or unknown peers together ("?").
    private var droppedTotal = 0
    private var dropped: [String: Int] = [:]
    private var unsent = 0
    private var current: JobRecord?
    /// The current job's shards: who holds them, their frames, and what AssignShards carries.
    private var plan = ShardPlan<[UInt8]>(sizes: [:])
    private var shardFrames: [String: [UInt64]] = [:]
    private var frameUses = FrameUses(uses: [:])
    private var assignTemplate = Canopy_Wire_AssignShards()

    /// Binds the socket (behind a CURVE gate where `options.security` says so); `log` gets one
    /// line per event.
    public init(options: Options, jobs: [(TrainingJob, String)], log: @escaping (String) -> Void = { _ in }) throws {
        self.options = options
        // Workers read the dataset from shared storage by the path they are sent: make it absolute.
        self.jobs = jobs.map { JobRecord(job: $0.0, dataset: URL(fileURLWithPath: $0.1).standardizedFileURL.path) }
        self.log = log
        Self.raiseDescriptorLimit()
        context = try ZMQContext()
        socket = try ZMQSocket(context, .router)
        try socket.setMaxMessageSize(Int64(WireCodec.maxFrameBytes))
        try socket.setOption(ZMQ_ROUTER_MANDATORY, Int32(1))
        // A peer that connects and never completes the handshake is closed after 5 s (libzmq's
        // default is 30 s), so a flood of them holds descriptors only briefly.
        try socket.setOption(ZMQ_HANDSHAKE_IVL, Int32(5_000))
        if case let .server(_, allowed) = options.security {
            gate = try CurveGate(context: context, allowed: allowed, log: log)
            try gate?.watch(socket)
        }
        try options.security.apply(to: socket)
        try socket.bind(options.bind)
        endpoint = try socket.lastEndpoint()
    }

    static func now() -> UInt64 { DispatchTime.now().uptimeNanoseconds }

    static func message(_ fill: (inout Canopy_Wire_Envelope) -> Void) -> WireMessage {
        var e = Canopy_Wire_Envelope()
        fill(&e)
        return WireMessage(e)
    }

    /// Sends one message to every assigned worker, encoded once; counts its bytes for the job.
    func broadcast(_ message: WireMessage) {
        let frames: [[UInt8]]
        do { frames = try WireCodec.encode(message) } catch {
            log("could not encode \(message.kind): \(error)")
            return
        }
        current?.bytesSent += frames.reduce(0) { $0 + $1.count } * assigned.count
        for id in assigned {
            do { try socket.send([id] + frames, dontWait: true) } catch {
                sendFailed(message, id, error)
            }
        }
    }

    /// Never blocks: a peer that does not read (or is gone) loses the message, and the failure
    /// is logged sparingly.
    func send(_ message: WireMessage, to identity: [UInt8]) {
        do { try socket.send(message, to: identity, dontWait: true) } catch {
            sendFailed(message, identity, error)
        }
    }

    func sendFailed(_ message: WireMessage, _ identity: [UInt8], _ error: Error) {
        // ROUTER_MANDATORY: a peer whose connection closed (its process died, its node went down
        // cleanly) is unroutable at once, well before its heartbeats are missed.
        if let z = error as? ZMQError, z.code == EHOSTUNREACH, peers[identity]?.isWorker == true {
            forget(identity, why: "its connection closed")
            return
        }
        unsent += 1
        if unsent <= 20 || unsent % 10_000 == 0 {
            log("could not send \(message.kind) to \(peers[identity]?.id ?? "a client"): \(error) (\(unsent) unsent so far)")
        }
    }

    // MARK: the event pump

    /// Handles incoming messages (waiting up to `timeoutMs` for the first, then whatever is queued),
    /// then heartbeats and timeouts. Timeouts are judged only with the queue drained, so a
    /// coordinator busy for a while never mistakes its own delay for silent workers.
    func pump(timeoutMs: Int) throws {
        gate?.serve()
        if let message = try socket.receiveMessage(timeoutMs: timeoutMs, maxBytes: Self.maxMessageBytes) {
            handle(message)
            var more = 0
            while more < 10_000, let next = try socket.receiveMessage(timeoutMs: 0, maxBytes: Self.maxMessageBytes) {
                handle(next)
                more += 1
            }
        }
        let now = Self.now()
        if Int((now - lastHeartbeat) / 1_000_000) >= options.heartbeatMs {
            lastHeartbeat = now
            for id in workerOrder { send(Self.message { $0.heartbeat = Canopy_Wire_Heartbeat() }, to: id) }
        }
        for id in workerOrder {
            guard let p = peers[id], Int((now - p.lastSeen) / 1_000_000) > options.workerTimeoutMs else { continue }
            forget(id, why: "silent for over \(options.workerTimeoutMs) ms")
        }
        for id in assigned {
            guard let p = peers[id] else { continue }
            let outstanding = pending.filter { $0.value.waiting.contains(id) }
            guard let oldest = outstanding.min(by: { $0.key < $1.key }) else { continue }
            let since = max(p.lastReply, oldest.value.sentAt)
            let deadline = requestDeadlineNs(samples: p.samples)
            guard now > since, now - since > deadline else { continue }
            forget(id, why: String(format: "no reply to request %llu for %.1f s (its deadline, --request-timeout and its factor)",
                                   oldest.key, Double(now - since) / 1e9))
        }
    }

    /// How long a worker holding `samples` may take to answer one request.
    func requestDeadlineNs(samples: Int) -> UInt64 {
        let candidates = Double(current?.job.parameters.nUVs ?? 0)
        let work = options.requestTimeoutFactor * Double(samples) * candidates * 5
        return UInt64(options.requestTimeoutMs) * 1_000_000 + UInt64(min(work, 1e15))
    }

    /// Drops a peer whose reply does not fit the request it answers, and tells it why: its shards
    /// go to live workers and the sums of the level in flight are discarded with the level.
    func reject(_ id: [UInt8], _ why: String) {
        let name = peers[id]?.id ?? "?"
        var r = Canopy_Wire_Refused()
        r.reason = "worker \(name) \(Self.clip(why)); dropped"
        send(Self.message { $0.refused = r }, to: id)
        forget(id, why: "bad reply: \(Self.clip(why))")
    }

    /// Every connection costs a descriptor: the soft limit (often 1024) is raised to the hard one,
    /// so a burst of connections cannot starve checkpoint writes.
    static func raiseDescriptorLimit() {
        var limit = rlimit()
        let files = __rlimit_resource_t(RLIMIT_NOFILE.rawValue)
        guard getrlimit(files, &limit) == 0, limit.rlim_cur < limit.rlim_max else { return }
        limit.rlim_cur = limit.rlim_max
        _ = setrlimit(files, &limit)
    }

    /// Peer-supplied text as it may appear in a log line: at most 200 characters, one line.
    static func clip(_ text: String) -> String {
        let line = String(text.prefix(200)).replacingOccurrences(of: "\n", with: " ")
        return text.count > 200 ? line + "..." : line
    }

    /// Drops a worker; if it held shards, they go to live workers (`settle`) and any histogram
    /// request in flight is void.
    func forget(_ id: [UInt8], why: String) {
        guard let p = peers[id] else { return }
        peers[id] = nil
        workerOrder.removeAll { $0 == id }
        waiting.remove(id)
        guard let index = assigned.firstIndex(of: id) else {
            log("worker \(p.id) (\(p.host)) left: \(why)")
            return
        }
        assigned.remove(at: index)
        log("worker \(p.id) (\(p.host)) lost: \(why); its \(plan.shards(of: id).count) shard(s) go to live workers")
        interrupted = true
        current?.workersLost += 1
        for request in pending.values where request.isApply { request.waiting.remove(id) }
    }

    /// The most a whole message may hold, by the sender's role: a worker's histogram reply is
    /// bounded by the batch budget; a client (status, fetch) sends only small requests.
    static func maxMessageBytes(_ userID: String?) -> Int {
        switch AllowedKey.role(ofUserID: userID) {
        case .worker?: return 1 << 30
        case .client?: return 1 << 20
        case nil: return userID == nil ? 1 << 30 : 1 << 20  // plaintext: every peer is a worker
        }
    }

    /// Drops a message, logging the first 20 and then every 10,000th.
    /// Drops a message and logs it sparingly: up to 20 lines per peer while the whole stays under
    /// 200, then every 10,000th. A peer that registers again and again gets a new name each time,
    /// so the total, not the per-peer count, is what bounds the log.
    func drop(from identity: [UInt8], _ why: @autoclosure () -> String) {
        var peer = peers[identity]?.id ?? "?"
        if dropped[peer] == nil && dropped.count >= 1000 { peer = "?" }
        let count = (dropped[peer] ?? 0) + 1
        dropped[peer] = count
        droppedTotal += 1
        if (count <= 20 && droppedTotal <= 200) || droppedTotal % 10_000 == 0 {
            log("\(why()) (\(droppedTotal) dropped so far; \(count) from \(peer == "?" ? "unknown peers" : peer))")
        }
    }

    func handle(_ received: ZMQSocket.Received) {
        let frames = received.frames
        if received.oversized {
            let identity = frames.first ?? []
            return drop(from: identity, "dropped a message over \(Self.maxMessageBytes(received.userID) >> 20) MiB from \(peers[identity]?.id ?? "a peer")")
        }
        guard frames.count >= 2 else { return }
        let identity = frames[0]
        // A client key (status, fetch) cannot act as a worker.
        let clientOnly = AllowedKey.role(ofUserID: received.userID) == .client
        let message: WireMessage
        do {
            message = try WireCodec.decode(frames[1...])
        } catch let error as WireError {
            // Logged sparingly: a hostile peer must not fill the disk.
            drop(from: identity, "dropped a message from \(peers[identity]?.id ?? "an unknown peer"): \(error)")
            if case .versionMismatch = error {
                var r = Canopy_Wire_Refused()
                r.reason = error.description
                send(Self.message { $0.refused = r }, to: identity)
            }
            return
        } catch {
            return drop(from: identity, "dropped a message from \(peers[identity]?.id ?? "an unknown peer"): \(error)")
        }
        if var p = peers[identity] {
            p.lastSeen = Self.now()
            peers[identity] = p
        }
        if clientOnly {
            switch message.envelope.body {
            case .statusRequest, .fetchRequest, .heartbeat: break
            case .hello(let h) where h.role != "worker": break
            default:
                return drop(from: identity, "dropped a \(message.kind) message from a client key (\(Self.clip(received.userID ?? ""))): client keys may only ask for status and forests")
            }
        }
        switch message.envelope.body {
        case .hello, .statusRequest, .fetchRequest:
            break
        default:
            // Worker traffic from a connection this coordinator never welcomed (it restarted, or
            // the worker reconnected): ask it to register again.
            guard let p = peers[identity], p.isWorker else {
                var r = Canopy_Wire_Rejoin()
                r.reason = "this coordinator does not know the connection"
                send(Self.message { $0.rejoin = r }, to: identity)
                return
            }
        }
        switch message.envelope.body {
        case .hello(let h):
            if h.role == "worker" {
                // A known connection saying Hello again has dropped whatever it held.
                if peers[identity] != nil { forget(identity, why: "it registered again") }
                nextPeer += 1
                let id = "w\(nextPeer)"
                peers[identity] = Peer(id: id, identity: identity, host: String(h.host.prefix(255)), cores: Int(h.cores),
                                       threads: Int(h.threads), lastSeen: Self.now(), isWorker: true, pid: Int(h.pid))
                workerOrder.append(identity)
                log("worker \(id) joined from \(Self.clip(h.host)) (pid \(h.pid), \(h.threads) threads)")
                var w = Canopy_Wire_Welcome()
                w.peerID = id
                w.heartbeatMs = UInt32(options.heartbeatMs)
                send(Self.message { $0.welcome = w }, to: identity)
            } else {
                var w = Canopy_Wire_Welcome()
                w.peerID = "client"
                w.heartbeatMs = UInt32(options.heartbeatMs)
                send(Self.message { $0.welcome = w }, to: identity)
            }
        case .heartbeat:
            break
        case .ready(let r):
            guard var p = peers[identity], r.epoch == p.assignedEpoch, r.job == current?.job.name else { return }
            p.readyEpoch = r.epoch
            p.samples = Int(r.samples)
            peers[identity] = p
            waiting.remove(identity)
            log("worker \(p.id) ready: \(r.samples) samples, \(r.memoryBytes / 1_048_576) MiB")
        case .histograms(let h):
            // A reply to a request this worker is not (or no longer) waited on is stale: ignored.
            guard h.job == current?.job.name, let p = pending[h.request], p.waiting.contains(identity) else { return }
            // A reply that does not fit its request never enters a sum: the peer is dropped and
            // its shards go to live workers, as when it is lost (the level restarts).
            guard !p.isApply else { return reject(identity, "answered an apply request with histograms") }
            guard h.nodes.count == p.accumulators.count, message.bulk.count == h.nodes.filter({ $0.rawBytes > 0 }).count else {
                return reject(identity, "sent \(h.nodes.count) histograms (\(message.bulk.count) frames) for \(p.accumulators.count) nodes")
            }
            var bulk = message.bulk.makeIterator()
            do {
                for (i, info) in h.nodes.enumerated() where info.rawBytes > 0 {
                    guard let frame = bulk.next() else { break }
                    current?.bytesReceived += frame.count
                    current?.pixelsCounted += Int(info.pixels)
                    try p.accumulators[i].withUnsafeMutableBufferPointer {
                        try HistogramWire.add(frame, info: info, labels: labelCount, into: $0)
                    }
                }
                p.waiting.remove(identity)
                peers[identity]?.lastReply = Self.now()
            } catch {
                reject(identity, "sent an unreadable histogram: \(error)")
            }
        case .applied(let a):
            guard a.job == current?.job.name, let p = pending[a.request], p.waiting.contains(identity) else { return }
            guard p.isApply else { return reject(identity, "answered a histogram request with Applied") }
            p.waiting.remove(identity)
            peers[identity]?.lastReply = Self.now()
        case .workerError(let e):
            log("worker error: \(Self.clip(e.message))")
            if e.job == current?.job.name { failure = failure ?? String(e.message.prefix(2000)) }
        case .statusRequest:
            var reply = Canopy_Wire_StatusReply()
            reply.json = statusJSON().serialized(pretty: false)
            send(Self.message { $0.statusReply = reply }, to: identity)
        case .fetchRequest(let f):
            send(fetchReply(f), to: identity)
        default:
            drop(from: identity, "ignored an unexpected \(message.kind) message from \(peers[identity]?.id ?? "an unknown peer")")
        }
    }

    /// Pumps until `done` holds; throws the job's failure if one arrives first, and, where
    /// `interruptible`, `WorkersLost` once a worker holding shards is lost.
    func wait(interruptible: Bool = false, until done: () -> Bool) throws {
        while true {
            if let f = failure { throw JobFailure(message: f) }
            if let reason = abortReason?() { throw JobFailure(message: reason) }
            if interruptible && interrupted { throw WorkersLost() }
            if done() { return }
            try pump(timeoutMs: 20)
        }
    }

    // MARK: status and fetch

    public func statusJSON() -> JSON {
        let now = Date()
        let jobList: [JSON] = jobs.map { r in
            var m: [(String, JSON)] = [("name", .string(r.job.name)), ("state", .string(r.state.rawValue)),
                                       ("trees", .int(r.job.trees)), ("max_depth", .int(r.job.parameters.maxDepth)),
                                       ("level", .int(r.level)), ("nodes_done", .int(r.nodesDone)),
                                       ("nodes_at_level", .int(r.nodesAtLevel)),
                                       ("decided_per_tree", .array(r.decidedPerTree.map { JSON.int($0) }))]
            if let s = r.started {
                let elapsed = (r.finished ?? now).timeIntervalSince(s)
                m.append(("elapsed_seconds", .double(elapsed.rounded())))
                m.append(("pixels_per_second", .double(elapsed > 0 ? (Double(r.pixelsCounted) / elapsed).rounded() : 0)))
                if r.state == .training, r.level > 0 {
                    let eta = elapsed / Double(r.level) * Double(max(0, r.job.parameters.maxDepth - r.level))
                    m.append(("eta_seconds", .double(eta.rounded())))
                }
            }
            if r.workersLost > 0 { m.append(("workers_lost", .int(r.workersLost))) }
            if r.levelRestarts > 0 { m.append(("level_restarts", .int(r.levelRestarts))) }
            if let l = r.resumedAt { m.append(("resumed_at_level", .int(l))) }
            if let e = r.error { m.append(("error", .string(e))) }
            if !r.files.isEmpty { m.append(("files", .array(r.files.map { .string($0) }))) }
            return .object(m)
        }
        let workerList: [JSON] = workerOrder.compactMap { peers[$0] }.map { p in
            .object([("id", .string(p.id)), ("host", .string(p.host)), ("pid", .int(p.pid)), ("threads", .int(p.threads)),
                     ("shards", .int(plan.shards(of: p.identity).count)),
                     ("ready", .bool(p.readyEpoch != nil && p.readyEpoch == p.assignedEpoch))])
        }
        return .object([("jobs", .array(jobList)), ("workers", .array(workerList))])
    }

    // MARK: jobs

    /// Runs the job queue; with `exitWhenDone` false, keeps serving status and fetch afterwards.
    public func run(stopWhen stop: () -> Bool = { false }) throws {
        for record in jobs where record.state == .queued {
            current = record
            do {
                try runJob(record)
            } catch {
                record.state = .failed
                record.error = "\(error)"
                record.finished = Date()
                log("job \(record.job.name) failed: \(error)")
            }
            current = nil
            failure = nil
            pending = [:]
            assigned = []
            interrupted = false
        }
        if options.exitWhenDone {
            // Answer what is already queued (e.g. a fetch), and whoever asks while lingering.
            let until = Self.now() + 200_000_000 + UInt64(options.lingerSeconds * 1e9)
            while Self.now() < until { try pump(timeoutMs: 10) }
        } else {
            while !stop() { try pump(timeoutMs: 100) }
        }
        if options.shutdownWorkers {
            for id in workerOrder {
                var s = Canopy_Wire_Shutdown()
                s.reason = "the coordinator's job queue is done"
                send(Self.message { $0.shutdown = s }, to: id)
            }
            let until = Self.now() + 200_000_000
            while Self.now() < until { _ = try? socket.receive(timeoutMs: 10) }
        }
    }

    func runJob(_ record: JobRecord) throws {
        let job = record.job
        let manifest = try DatasetManifest(root: record.dataset)
        guard let camera = manifest.camera else { throw TrainingDataError.noCamera(record.dataset) }
        var params = job.parameters
        params.backgroundDepthMM = manifest.backgroundDepthMM
        let indexes = try TrainingSetLoader.indexes(job.indexNames, manifest: manifest)
        let uses = FrameUses(indexes: indexes)
        let candidates = (0..<job.trees).map { Candidates(parameters: params, camera: camera, tree: $0) }
        let dir = options.outputRoot + "/" + job.name
        if let files = ForestOutput.finishedFiles(directory: dir, job: job) {
            record.files = files
            record.state = .finished
            record.started = Date()
            record.finished = record.started
            log("job \(job.name): already finished in \(dir) (remove that folder to train it again)")
            return
        }
        for name in AtomicFile.removeStale(in: dir) { log("job \(job.name): removed \(name), left by a writer that died") }
        let grower = ForestGrower(parameters: params, candidates: candidates, labelCount: manifest.labelMap.count)
        var state = grower.initialState(labels: manifest.labelMap.labels, camera: camera)
        if let resumed = try Checkpoint.resume(directory: dir, job: job) {
            state = resumed.state
            record.levels = resumed.levels
            record.resumedAt = state.level
            log("job \(job.name): resuming from \(dir)/checkpoint.json at level \(state.level)")
        }
        log("job \(job.name): \(job.trees) trees, \(uses.frames.count) frames; waiting for \(options.minWorkers) worker(s)")
        try wait { workerOrder.count >= options.minWorkers }
        record.state = .loading
        record.started = Date()
        let byID = Dictionary(manifest.frames.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        shardFrames = Dictionary(grouping: uses.frames, by: { byID[$0]!.shard })
        plan = ShardPlan(sizes: shardFrames.mapValues(\.count))
        frameUses = uses
        assignTemplate = Canopy_Wire_AssignShards()
        assignTemplate.job = job.name
        assignTemplate.dataset = record.dataset
        assignTemplate.parametersJson = params.json.serialized(pretty: false)
        assignTemplate.labels = UInt32(manifest.labelMap.count)
        assignTemplate.candidates = candidates.map { c in
            var t = Canopy_Wire_TreeCandidates()
            var bytes = [UInt8]()
            bytes.reserveCapacity(c.count * 16)
            for uv in c.uvs { for k in 0..<4 { withUnsafeBytes(of: uv[k].bitPattern.littleEndian) { bytes += $0 } } }
            t.uvs = Data(bytes)
            t.thresholds = c.thresholds
            return t
        }
        assigned = []
        interrupted = false
        try settle(state.trees)
        record.state = .training
        labelCount = manifest.labelMap.count
        grower.onBatch = { [weak record] level, done, total in
            record?.level = level
            record?.nodesDone = done
            record?.nodesAtLevel = total
        }
        var bytesBefore = record.bytesReceived + record.bytesSent
        grower.onLevel = { [weak self, weak record] level in
            guard let self, let record else { return }
            record.levels.append(level)
            let total = record.bytesReceived + record.bytesSent
            record.bytesPerLevel.append(total - bytesBefore)
            bytesBefore = total
            self.onLevel?(record, level)
        }
        let source = RemoteSource(coordinator: self, shape: grower.shape, prefetchDepth: options.prefetchDepth)
        while !state.finished {
            let before = state
            do {
                try grower.growLevel(&state, source: source)
            } catch is WorkersLost {
                // The level's counts are incomplete: start it over once the lost shards are loaded
                // elsewhere and routed through the trees as they were when the level began.
                state = before
                pending = [:]
                source.reset()
                record.levelRestarts += 1
                log("job \(job.name): level \(state.level) starts over without the lost worker")
                try settle(state.trees)
                continue
            }
            try Checkpoint.write(state, levels: record.levels, job: job, directory: dir)
            for t in 0..<job.trees {
                record.decidedPerTree[t] = state.trees[t].nodes.reduce(0) { $0 + ($1 == .untrained ? 0 : 1) }
            }
            record.level = state.level
            // Shards of a worker lost while splits were applied, or a worker that joined, get
            // (re)assigned here, routed through the trees including this level.
            if !state.finished { try settle(state.trees) }
        }
        var trees = state.trees
        ForestOutput.annotate(&trees, job: job, indexSizes: indexes.map(\.count), levels: record.levels)
        record.files = ForestOutput.files(ofJSON: try ForestOutput.write(trees, job: job, directory: dir,
                                                                          date: ForestOutput.today()))
        record.finished = Date()
        try ForestOutput.writeReport([
            ("job", .string(job.name)), ("mode", .string("distributed")), ("workers", .int(assigned.count)),
            ("seconds", .double(record.finished!.timeIntervalSince(record.started!))),
            ("bytes_received", .int(record.bytesReceived)), ("bytes_sent", .int(record.bytesSent)),
            ("bytes_per_level", .array(record.bytesPerLevel.map { JSON.int($0) })),
            ("seconds_waiting_for_workers", .double(record.waitSeconds)),
            ("workers_lost", .int(record.workersLost)), ("level_restarts", .int(record.levelRestarts)),
            ("resumed_at_level", record.resumedAt.map { JSON.int($0) } ?? .null),
            ("files", .array(record.files.map { .string(URL(fileURLWithPath: $0).lastPathComponent) })),
        ], levels: record.levels, directory: dir)
        try? FileManager.default.removeItem(atPath: dir + "/checkpoint.json")  // the forest supersedes it
        record.state = .finished
        log("job \(job.name): finished, \(trees.count) trees in \(dir)")
    }

    /// Brings the shard plan up to date with the live workers: shards of lost workers go to the
    /// least loaded, a worker that joined takes shards from the busiest. Each worker whose shards
    /// changed reloads them and routes its pixels through `trees`. Returns once every assigned
    /// worker is ready; starts over if a worker is lost meanwhile.
    func settle(_ trees: [DecisionTree]) throws {
        var announced = false
        while true {
            interrupted = false
            waiting = waiting.filter { peers[$0] != nil }
            if workerOrder.isEmpty {
                if !announced { log("job \(current?.job.name ?? ""): no workers left; waiting for one to join") }
                announced = true
                try wait { !workerOrder.isEmpty }
                continue
            }
            let changed = plan.rebalance(live: workerOrder)
            assigned = workerOrder.filter { !plan.shards(of: $0).isEmpty }
            if changed.isEmpty && waiting.isEmpty { return }
            if !changed.isEmpty {
                epoch += 1
                let route = Self.route(trees)
                for id in workerOrder where changed.contains(id) {
                    var a = assignTemplate
                    a.epoch = epoch
                    a.route = route.map(\.info)
                    let frames = plan.shards(of: id).flatMap { shardFrames[$0] ?? [] }.sorted()
                    a.frames = frames.map { fid in
                        var f = Canopy_Wire_FrameAssignment()
                        f.id = fid
                        f.uses = (frameUses.uses[fid] ?? []).map { u in
                            var x = Canopy_Wire_FrameUse()
                            x.tree = UInt32(u.tree)
                            x.position = UInt32(u.position)
                            return x
                        }
                        return f
                    }
                    peers[id]?.assignedEpoch = epoch
                    peers[id]?.readyEpoch = nil
                    waiting.insert(id)  // before sending: a send that finds the worker gone forgets it
                    send(WireMessage(Self.message { $0.assign = a }.envelope, bulk: route.map(\.frame)), to: id)
                    log("job \(assignTemplate.job): \(frames.count) frames in \(plan.shards(of: id).count) shard(s) to worker \(peers[id]?.id ?? "?")")
                }
            }
            try wait { waiting.isEmpty || interrupted }
            if !interrupted { return }
        }
    }

    /// Every decided node of each tree, for workers to route freshly loaded pixels.
    static func route(_ trees: [DecisionTree]) -> [(info: Canopy_Wire_RouteTree, frame: [UInt8])] {
        trees.enumerated().compactMap { t, tree in
            var records: [RouteWire.Record] = []
            for (n, node) in tree.nodes.enumerated() {
                switch node {
                case .untrained: continue
                case .leaf: records.append(RouteWire.Record(node: UInt32(n), leaf: true))
                case let .split(uv, threshold): records.append(RouteWire.Record(node: UInt32(n), leaf: false, uv: uv, thresholdMM: threshold))
                }
            }
            guard !records.isEmpty, let frame = try? RouteWire.pack(records) else { return nil }
            var info = Canopy_Wire_RouteTree()
            info.tree = UInt32(t)
            info.decisions = UInt32(records.count)
            return (info, frame)
        }
    }

    // MARK: requests to workers, for the level loop

    /// Sends a histogram request for `nodes` to every assigned worker; returns its id.
    func startHistograms(_ nodes: [NodeKey], countsPerNode: Int) throws -> UInt64 {
        if interrupted { throw WorkersLost() }
        request += 1
        var c = Canopy_Wire_ComputeHistograms()
        c.job = current?.job.name ?? ""
        c.request = request
        c.nodes = nodes.map { n in
            var r = Canopy_Wire_NodeRef()
            r.tree = UInt32(n.tree)
            r.node = UInt32(n.node)
            return r
        }
        pending[request] = Pending(nodes: nodes, waiting: Set(assigned),
                                   accumulators: nodes.map { _ in [UInt32](repeating: 0, count: countsPerNode) })
        broadcast(Self.message { $0.compute = c })
        return request
    }

    /// The summed histograms of request `id`, once every worker answered.
    func finishHistograms(_ id: UInt64) throws -> [[UInt32]] {
        guard let p = pending[id] else { throw JobFailure(message: "internal: no histogram request \(id)") }
        let start = Self.now()
        try wait(interruptible: true) { p.waiting.isEmpty }
        current?.waitSeconds += Double(Self.now() - start) / 1e9
        pending[id] = nil
        return p.accumulators
    }

    func requestApply(_ decisions: [(NodeKey, NodeDecision)]) throws {
        request += 1
        var a = Canopy_Wire_ApplySplits()
        a.job = current?.job.name ?? ""
        a.request = request
        a.decisions = decisions.map { key, decision in
            var d = Canopy_Wire_Decision()
            d.tree = UInt32(key.tree)
            d.node = UInt32(key.node)
            switch decision {
            case .leaf: d.leaf = true
            case let .split(uv, t):
                d.ux = uv.x; d.uy = uv.y; d.vx = uv.z; d.vy = uv.w
                d.thresholdMm = t
            }
            return d
        }
        let p = Pending(nodes: [], waiting: Set(assigned), accumulators: [], isApply: true)
        pending[request] = p
        broadcast(Self.message { $0.apply = a })
        let start = Self.now()
        try wait { p.waiting.isEmpty }
        current?.waitSeconds += Double(Self.now() - start) / 1e9
        current?.applySeconds += Double(Self.now() - start) / 1e9
        pending[request] = nil
    }
}

/// The level loop's view of the workers: summed histograms and routed pixels. Pipelined: the next
/// batch is sent to the workers before the current one is decided.
final class RemoteSource: HistogramSource {
    unowned let coordinator: TrainingCoordinator
    let shape: HistogramShape
    private var prefetched: [(nodes: [NodeKey], id: UInt64)] = []
    let prefetchDepth: Int

    init(coordinator: TrainingCoordinator, shape: HistogramShape, prefetchDepth: Int) {
        self.coordinator = coordinator
        self.shape = shape
        self.prefetchDepth = prefetchDepth
    }

    var pipelined: Bool { true }

    func prefetch(_ nodes: [NodeKey]) throws {
        prefetched.append((nodes, try coordinator.startHistograms(nodes, countsPerNode: shape.countsPerNode)))
    }

    /// Forgets prefetched requests (their level starts over).
    func reset() { prefetched = [] }

    func histograms(for nodes: [NodeKey]) throws -> [[UInt32]] {
        if let p = prefetched.first, p.nodes == nodes {
            prefetched.removeFirst()
            return try coordinator.finishHistograms(p.id)
        }
        return try coordinator.finishHistograms(try coordinator.startHistograms(nodes, countsPerNode: shape.countsPerNode))
    }

    func apply(_ decisions: [(NodeKey, NodeDecision)]) throws { try coordinator.requestApply(decisions) }
}
