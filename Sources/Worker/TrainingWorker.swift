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

    private let work = DispatchQueue(label: "canopy.worker.compute")
    private let lock = NSLock()
    private var outbox: [WireMessage] = []
    /// The compute queue's end of an inproc pair: a byte on it wakes the socket loop as soon as
    /// a reply is in the outbox (instead of at its next poll timeout).
    private var waker: ZMQSocket?
    /// The job loaded here; touched only on the compute queue.
    private var job: WorkerJob?

    public init(
        endpoint: String, threads: Int = ProcessInfo.processInfo.activeProcessorCount,
        logger: Logger = Logger(label: "worker")
    ) {
        self.endpoint = endpoint
        self.threads = max(1, threads)
        self.logger = logger
    }

    /// Called from the compute queue only (the waker socket is used by that queue alone).
    func post(_ message: WireMessage) {
        lock.lock()
        outbox.append(message)
        lock.unlock()
        try? waker?.send([[1]], dontWait: true)
    }

    func takeOutbox() -> [WireMessage] {
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
        var hello = Canopy_Wire_Hello()
        hello.role = "worker"
        hello.host = ProcessInfo.processInfo.hostName
        hello.cores = UInt32(ProcessInfo.processInfo.activeProcessorCount)
        hello.memoryBytes = ProcessInfo.processInfo.physicalMemory
        hello.pid = UInt32(getpid())
        hello.threads = UInt32(threads)
        try socket.send(Envelope.make { $0.hello = hello })
        var heartbeatMs = 1000
        var lastHeard = DispatchTime.now().uptimeNanoseconds
        var lastSent = lastHeard
        var welcomed = false
        var trigger = WorkerFault.Trigger(fault)
        while true {
            for message in takeOutbox() {
                trigger.beforeSending(message)
                try socket.send(message)
                lastSent = DispatchTime.now().uptimeNanoseconds
                trigger.afterSending(message)
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
            let ready = try ZMQSocket.poll([socket, wake], timeoutMs: 20)
            if ready[1] { while try wake.receive(timeoutMs: 0) != nil {} }
            guard ready[0], let frames = try socket.receive(timeoutMs: 0) else { continue }
            lastHeard = DispatchTime.now().uptimeNanoseconds
            let message: WireMessage
            do {
                message = try WireCodec.decode(frames[...])
            } catch let error as WireError {
                if case .versionMismatch = error { return .refused(error.description) }
                logger.warning("dropped a message from the coordinator: \(error)")
                continue
            }
            switch message.envelope.body {
            case .welcome(let w):
                welcomed = true
                heartbeatMs = Int(min(max(w.heartbeatMs, 50), 60_000))
                logger.info("registered with \(endpoint) as \(w.peerID)")
            case .refused(let r):
                return .refused(r.reason)
            case .shutdown(let s):
                work.sync {}
                return .shutdown(s.reason)
            case .heartbeat:
                break
            case .assign(let a):
                let route = message.bulk
                work.async { self.assign(a, route: route) }
            case .rejoin(let r):
                // The coordinator does not know this connection (it restarted): start over.
                logger.warning("the coordinator asks to register again (\(r.reason))")
                work.sync { self.job = nil }  // after whatever the queue still had to do
                welcomed = false
                lastHeard = DispatchTime.now().uptimeNanoseconds
                try socket.send(Envelope.make { $0.hello = hello })
            case .compute(let c):
                work.async { self.compute(c) }
            case .apply(let a):
                work.async { self.apply(a) }
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

    func assign(_ a: Canopy_Wire_AssignShards, route: [[UInt8]]) {
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
        do { post(try j.histograms(c)) } catch { fail(c.job, "cannot compute histograms: \(error)") }
    }

    func apply(_ a: Canopy_Wire_ApplySplits) {
        guard let j = job, j.job == a.job else { return fail(a.job, "asked to apply splits of job \(a.job), which is not loaded here") }
        do { post(try j.apply(a)) } catch { fail(a.job, "cannot apply splits: \(error)") }
    }
}
