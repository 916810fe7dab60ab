import Dataset
import Foundation
import Logging
import RDTCore
import Training
import WireProtocol

/// The coordinator: a queue of training jobs, each grown by a `TrainingRun` whose histograms a
/// `ClusterSource` gets from the workers, with `status` and `fetch` served on the same socket.
/// Single-threaded: messages are read while the level loop waits for workers (`pump`), turned
/// into `WorkerPool` events, and the pool's actions are carried out on the `CoordinatorServer`.
public final class TrainingCoordinator: ClusterLink {
    public struct Options {
        public var bind: String
        public var outputRoot: String
        /// Workers registered before a job starts.
        public var minWorkers = 1
        /// Heartbeats, silence and request deadlines (see `WorkerPool.Settings`).
        public var pool = WorkerPool.Settings()
        /// Return from `run` when the queue is empty (else keep serving status and fetch).
        public var exitWhenDone = true
        /// With `exitWhenDone`: keep serving status and fetch this long after the queue is done.
        public var lingerSeconds = 0.0
        /// Node batches the workers count ahead of the one being decided (each batch gets
        /// 1 / (depth + 1) of the histogram budget).
        public var prefetchDepth = 2
        /// Fail a job after this long without any worker (none joined, or all were lost); nil waits
        /// for one to join however long it takes (a cluster's workers may be queued).
        public var noWorkerTimeoutMs: Int?
        /// Serve Prometheus metrics over HTTP on this port (0: a free one; nil: none).
        public var metricsPort: Int?
        public var metricsHost = "0.0.0.0"
        /// Stop the workers when returning.
        public var shutdownWorkers = true
        /// CURVE with an allow list (`.server`), or plaintext for loopback demos.
        public var security = Security.plaintext
        /// The workers sum and evaluate the histograms among themselves and send only evaluations
        /// (docs/protocol.md, Reduction); false: every worker sends its histograms here.
        public var reduceOnWorkers = true
        /// With the reduction among workers: nodes with at most this many pixels are handed off
        /// to one worker, which grows their whole subtree (0: never; nil: what one process uses,
        /// 64 MiB of bins / candidates).
        public var handoffPixels: Int?

        public init(bind: String, outputRoot: String) {
            self.bind = bind
            self.outputRoot = outputRoot
        }
    }

    public let options: Options
    public let queue: JobQueue
    public var jobs: [JobRecord] { queue.records }
    public var onLevel: ((JobRecord, LevelRecord) -> Void)?
    /// Polled while a job waits on its workers; a reason fails the job (as when `canopy train`'s
    /// worker processes have all exited, so nobody is left to wait for).
    public var abortReason: (() -> String?)?
    /// The endpoint actually bound (a `*` port resolved).
    public var endpoint: String { server.endpoint }
    public private(set) var pool: WorkerPool
    /// The metrics page, where `options.metricsPort` asks for one.
    public private(set) var metricsServer: MetricsServer?
    private let metrics = CoordinatorMetrics()
    private let server: CoordinatorServer
    /// Lines of this coordinator, with the running job as metadata.
    private var logger: Logger
    private var current: (record: JobRecord, source: ClusterSource)?
    /// A worker's error for the current job.
    private var workerFailure: String?

    /// Binds the socket (behind a CURVE gate where `options.security` says so); `log` gets one
    /// line per event.
    public init(options: Options, jobs: [(TrainingJob, String)], logger: Logger = Logger(label: "coordinator")) throws {
        self.options = options
        queue = JobQueue(jobs)
        self.logger = logger
        pool = WorkerPool(settings: options.pool)
        server = try CoordinatorServer(bind: options.bind, security: options.security, logger: logger)
        if let port = options.metricsPort {
            metricsServer = try MetricsServer(host: options.metricsHost, port: port, metrics: metrics)
        }
    }

    // MARK: ClusterLink

    func log(_ level: Logger.Level, _ line: String) { logger.log(level: level, "\(line)") }
    func now() -> UInt64 { DispatchTime.now().uptimeNanoseconds }

    var failure: String? { workerFailure ?? abortReason?() }

    @discardableResult
    func update(_ event: WorkerPool.Event) -> [WorkerPool.Action] {
        let actions = pool.on(event, now: now())
        for action in actions {
            switch action {
            case let .welcome(identity, peerID): welcome(identity, peerID: peerID)
            case let .heartbeat(identities): send(Envelope.make { $0.heartbeat = Canopy_Wire_Heartbeat() }, to: identities)
            case let .refuse(identity, reason):
                var r = Canopy_Wire_Refused()
                r.reason = reason
                send(Envelope.make { $0.refused = r }, to: [identity])
            case let .log(level, line): logger.log(level: level, "\(line)")
            case .assign: break  // the job's source sends assignments
            }
        }
        return actions
    }

    @discardableResult
    func send(_ message: WireMessage, to identities: [PeerIdentity]) -> Int {
        let (bytes, gone) = server.send(message, to: identities) { [pool] in pool.peers[$0]?.id ?? "a client" }
        for identity in gone where pool.peers[identity] != nil { update(.unreachable(identity)) }
        return bytes
    }

    /// Handles incoming messages (waiting up to `timeoutMs` for the first, then whatever is
    /// queued), then the pool's timeouts, judged only with the queue drained so a coordinator
    /// busy for a while never mistakes its own delay for silent workers.
    func pump(timeoutMs: Int) throws {
        if let message = try server.receive(timeoutMs: timeoutMs) {
            handle(message)
            var more = 0
            while more < 10_000, let next = try server.receive(timeoutMs: 0) {
                handle(next)
                more += 1
            }
        }
        update(.tick)
        if metricsServer != nil { publishMetrics() }
    }

    /// The jobs' and workers' figures for the metrics page.
    private func publishMetrics() {
        let now = Date()
        let figures = jobs.map { r -> CoordinatorMetrics.Job in
            var j = CoordinatorMetrics.Job(name: r.job.name, state: r.state.rawValue)
            j.level = r.level
            j.maxDepth = r.job.parameters.maxDepth
            j.nodesDone = r.nodesDone
            j.nodesAtLevel = r.nodesAtLevel
            j.pixelsCounted = r.pixelsCounted
            j.pixelsPerSecond = r.pixelsPerSecond(now: now) ?? 0
            j.bytesReceived = r.bytesReceived
            j.bytesSent = r.bytesSent
            j.workersLost = r.workersLost
            j.levelRestarts = r.levelRestarts
            return j
        }
        metrics.update(jobs: figures, workers: pool.order.count, ready: pool.assigned.filter { pool.peers[$0]?.isReady == true }.count)
    }

    // MARK: messages

    private func name(_ identity: PeerIdentity) -> String? { pool.peers[identity]?.id }

    private func welcome(_ identity: PeerIdentity, peerID: String) {
        var w = Canopy_Wire_Welcome()
        w.peerID = peerID
        w.heartbeatMs = UInt32(options.pool.heartbeatMs)
        send(Envelope.make { $0.welcome = w }, to: [identity])
    }

    func handle(_ received: ZMQSocket.Received) {
        let frames = received.frames
        let identity = frames.first ?? []
        if received.oversized {
            let limit = CoordinatorServer.maxMessageBytes(received.userID) >> 20
            return server.drop(from: name(identity), "dropped a message over \(limit) MiB from \(name(identity) ?? "a peer")")
        }
        guard frames.count >= 2 else { return }
        let message: WireMessage
        do {
            message = try WireCodec.decode(frames[1...])
        } catch {
            server.drop(from: name(identity), "dropped a message from \(name(identity) ?? "an unknown peer"): \(error)")
            if case .versionMismatch? = error as? WireError {
                var r = Canopy_Wire_Refused()
                r.reason = "\(error)"
                send(Envelope.make { $0.refused = r }, to: [identity])
            }
            return
        }
        update(.heard(identity))
        // A client key (status, fetch) cannot act as a worker.
        if AllowedKey.role(ofUserID: received.userID) == .client {
            switch message.envelope.body {
            case .statusRequest, .fetchRequest, .heartbeat: break
            case .hello(let h) where h.role != "worker": break
            default:
                let key = CoordinatorServer.clip(received.userID ?? "")
                return server.drop(
                    from: name(identity),
                    "dropped a \(message.kind) message from a client key (\(key)): client keys may only ask for status and forests")
            }
        }
        switch message.envelope.body {
        case .hello, .statusRequest, .fetchRequest: break
        default:
            // Worker traffic from a connection this coordinator never welcomed (it restarted, or
            // the worker reconnected): ask it to register again.
            guard pool.peers[identity] != nil else {
                var r = Canopy_Wire_Rejoin()
                r.reason = "this coordinator does not know the connection"
                send(Envelope.make { $0.rejoin = r }, to: [identity])
                return
            }
        }
        switch message.envelope.body {
        case .hello(let h) where h.role == "worker":
            if options.reduceOnWorkers && h.peerEndpoint.isEmpty {
                var r = Canopy_Wire_Refused()
                r.reason =
                    "this coordinator reduces on the workers and the worker offers no peer endpoint; run a worker of the same Canopy version, or the coordinator with --reduction coordinator"
                send(Envelope.make { $0.refused = r }, to: [identity])
                return
            }
            update(
                .hello(
                    identity, host: CoordinatorServer.clip(String(h.host.prefix(255))), pid: Int(h.pid), threads: Int(h.threads),
                    peerEndpoint: String(h.peerEndpoint.prefix(300)), peerKey: String(h.peerKey.prefix(40))))
        case .hello:
            welcome(identity, peerID: "client")
        case .heartbeat:
            break
        case .ready(let r):
            guard r.job == current?.record.job.name else { return }
            update(.ready(identity, epoch: r.epoch, samples: Int(r.samples), memoryBytes: Int(r.memoryBytes)))
        case .histograms(let h):
            current?.source.receive(h, bulk: message.bulk, from: identity)
        case .applied(let a):
            current?.source.receive(applied: a, from: identity)
        case .evaluations(let e):
            current?.source.receive(evaluations: e, from: identity)
        case .subtreesGrown(let s):
            current?.source.receive(subtrees: s, from: identity)
        case .workerError(let e):
            logger.error("worker error: \(CoordinatorServer.clip(e.message))")
            if e.job == current?.record.job.name { workerFailure = workerFailure ?? String(e.message.prefix(2000)) }
        case .statusRequest:
            var reply = Canopy_Wire_StatusReply()
            reply.json = statusJSON().serialized(pretty: false)
            send(Envelope.make { $0.statusReply = reply }, to: [identity])
        case .fetchRequest(let f):
            send(StatusService.fetchReply(f, queue: queue), to: [identity])
        default:
            server.drop(from: name(identity), "ignored an unexpected \(message.kind) message from \(name(identity) ?? "an unknown peer")")
        }
    }

    public func statusJSON() -> JSON { StatusService.json(jobs: jobs, pool: pool) }

    // MARK: jobs

    /// Runs the job queue; with `exitWhenDone` false, keeps serving status and fetch afterwards.
    public func run(stopWhen stop: () -> Bool = { false }) throws {
        while let record = queue.next {
            do {
                try runJob(record)
                if record.state != .finished { throw JobFailure(message: "the job ended \(record.state.rawValue)") }
            } catch {
                record.fail(error)
                logger.error("job \(record.job.name) failed: \(error)")
            }
            current = nil
            workerFailure = nil
            update(.endJob)
        }
        if options.exitWhenDone {
            // Answer what is already queued (e.g. a fetch), and whoever asks while lingering.
            let until = now() + 200_000_000 + UInt64(options.lingerSeconds * 1e9)
            while now() < until { try pump(timeoutMs: 10) }
        } else {
            while !stop() { try pump(timeoutMs: 100) }
        }
        if options.shutdownWorkers {
            var s = Canopy_Wire_Shutdown()
            s.reason = "the coordinator's job queue is done"
            send(Envelope.make { $0.shutdown = s }, to: pool.order)
            server.drain(ms: 200)
        }
    }

    func runJob(_ record: JobRecord) throws {
        let job = record.job
        logger[metadataKey: "job"] = .string(job.name)
        defer { logger[metadataKey: "job"] = nil }
        let setup = try JobSetup(job: job, datasetRoot: record.dataset)
        let run = TrainingRun(
            setup: setup, directory: ForestFiles.directory(root: options.outputRoot, job: job),
            mode: "distributed", log: { [logger] in logger.notice("\($0)") })
        if let files = run.finishedFiles {
            record.files = files
            record.state = .finished
            record.started = Date()
            record.finished = record.started
            logger.notice("job \(job.name): already finished in \(run.directory) (remove that folder to train it again)")
            return
        }
        logger.info("job \(job.name): \(job.trees) trees, \(setup.uses.frames.count) frames; waiting for \(options.minWorkers) worker(s)")
        let source = ClusterSource(
            link: self, setup: setup, prefetchDepth: options.prefetchDepth, reduceOnWorkers: options.reduceOnWorkers,
            handoffPixels: options.handoffPixels)
        source.noWorkerTimeoutMs = options.noWorkerTimeoutMs
        current = (record, source)
        try source.wait(noWorkersFor: options.noWorkerTimeoutMs) { pool.order.count >= options.minWorkers }
        record.state = .loading
        record.started = Date()
        try run.start()
        record.resumedAt = run.report.resumedAt
        update(.startJob(frames: source.frames.count, candidates: job.parameters.nUVs))
        /// The running figures status and metrics show.
        func refresh() {
            record.pixelsCounted = source.pixelsCounted
            record.bytesReceived = source.figures.bytesReceived
            record.bytesSent = source.figures.bytesSent
            record.workersLost = pool.lostHolding
            record.levelRestarts = run.report.levelRestarts
        }
        run.grower.onBatch = { level, done, total in
            record.level = level
            record.nodesDone = done
            record.nodesAtLevel = total
            refresh()
        }
        run.onPrepared = { record.state = .training }
        run.onLevel = { [unowned self] level in onLevel?(record, level) }
        run.onCheckpoint = { state in
            record.level = state.level
            for t in 0..<job.trees {
                record.decidedPerTree[t] = state.trees[t].nodes.reduce(0) { $0 + ($1 == .untrained ? 0 : 1) }
            }
        }
        record.files = try run.grow(source: source)
        record.finished = Date()
        record.report = run.report
        record.applySeconds = source.applySeconds
        refresh()
        record.state = .finished
    }
}
