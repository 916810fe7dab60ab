import CZeroMQ
import Foundation
import Dataset
import RDTCore
import Training
import WireProtocol

/// Why a worker stopped.
public enum WorkerExit: Equatable, CustomStringConvertible {
    case shutdown(String)
    case refused(String)
    case coordinatorGone(String)

    public var description: String {
        switch self {
        case .shutdown(let why): return "stopped by the coordinator: \(why)"
        case .refused(let why): return "refused by the coordinator: \(why)"
        case .coordinatorGone(let endpoint):
            return "no word from the coordinator at \(endpoint) for too long (gone, or it refused this worker's key: its log says); stopping"
        }
    }

    public var isClean: Bool { if case .shutdown = self { return true } else { return false } }
}

/// A training worker: registers with the coordinator, loads the frames it is assigned,
/// computes node-batch histograms with RDTCore's kernel and routes its pixels after each level.
/// Socket I/O stays on the calling thread (heartbeats never wait for a computation); loading and
/// counting run on one background queue, in the order the coordinator asked for them.
public final class TrainingWorker {
    public let endpoint: String
    public let threads: Int
    public var log: (String) -> Void
    /// How long the coordinator may be silent before the worker gives up (ms).
    public var coordinatorTimeoutMs = 15_000
    /// How long to wait for the first answer to Hello (ms).
    public var connectTimeoutMs = 20_000
    /// Fault injection for the reliability tests: the process kills itself (SIGKILL) at a chosen
    /// point, so a test can lose a worker exactly mid-level or exactly between levels.
    public var fault: Fault?

    public enum Fault: Equatable {
        /// Dies instead of sending its Nth histogram reply (1-based): a batch is left unanswered.
        case beforeHistograms(Int)
        /// Dies right after sending its Nth Applied (1-based): between two levels.
        case afterApplied(Int)

        /// "histograms:N" or "applied:N".
        public init?(_ text: String) {
            let parts = text.split(separator: ":")
            guard parts.count == 2, let n = Int(parts[1]), n > 0 else { return nil }
            switch parts[0] {
            case "histograms": self = .beforeHistograms(n)
            case "applied": self = .afterApplied(n)
            default: return nil
            }
        }
    }

    private let work = DispatchQueue(label: "canopy.worker.compute")
    private let lock = NSLock()
    private var outbox: [WireMessage] = []
    /// The compute queue's end of an inproc pair: a byte on it wakes the socket loop as soon as
    /// a reply is in the outbox (instead of at its next poll timeout).
    private var waker: ZMQSocket?
    private var state: JobState?

    final class JobState {
        let job: String
        let data: LocalTrainingData
        let maxNode: Int
        init(job: String, data: LocalTrainingData, maxNode: Int) {
            self.job = job
            self.data = data
            self.maxNode = maxNode
        }
    }

    public init(endpoint: String, threads: Int = ProcessInfo.processInfo.activeProcessorCount,
                log: @escaping (String) -> Void = { _ in }) {
        self.endpoint = endpoint
        self.threads = max(1, threads)
        self.log = log
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
        var histogramReplies = 0, appliedReplies = 0
        while true {
            for message in takeOutbox() {
                if case .histograms = message.envelope.body {
                    histogramReplies += 1
                    if fault == .beforeHistograms(histogramReplies) { kill(getpid(), SIGKILL) }
                }
                try socket.send(message)
                lastSent = DispatchTime.now().uptimeNanoseconds
                if case .applied = message.envelope.body {
                    appliedReplies += 1
                    if fault == .afterApplied(appliedReplies) {
                        usleep(50_000)  // let ZeroMQ's I/O thread put it on the wire
                        kill(getpid(), SIGKILL)
                    }
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
            let ready = try ZMQSocket.poll([socket, wake], timeoutMs: 20)
            if ready[1] { while try wake.receive(timeoutMs: 0) != nil {} }
            guard ready[0], let frames = try socket.receive(timeoutMs: 0) else { continue }
            lastHeard = DispatchTime.now().uptimeNanoseconds
            let message: WireMessage
            do {
                message = try WireCodec.decode(frames[...])
            } catch let error as WireError {
                if case .versionMismatch = error { return .refused(error.description) }
                log("dropped a message from the coordinator: \(error)")
                continue
            }
            switch message.envelope.body {
            case .welcome(let w):
                welcomed = true
                heartbeatMs = Int(min(max(w.heartbeatMs, 50), 60_000))
                log("registered with \(endpoint) as \(w.peerID)")
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
                log("the coordinator asks to register again (\(r.reason))")
                work.sync { self.state = nil }  // after whatever the queue still had to do
                welcomed = false
                lastHeard = DispatchTime.now().uptimeNanoseconds
                try socket.send(Envelope.make { $0.hello = hello })
            case .compute(let c):
                work.async { self.compute(c) }
            case .apply(let a):
                work.async { self.apply(a) }
            default:
                log("ignored an unexpected \(message.kind) message")
            }
        }
    }

    func fail(_ job: String, _ text: String) {
        log("error: \(text)")
        var e = Canopy_Wire_WorkerError()
        e.job = job
        e.message = "worker \(ProcessInfo.processInfo.hostName) pid \(getpid()): \(text)"
        post(Envelope.make { $0.workerError = e })
    }

    func assign(_ a: Canopy_Wire_AssignShards, route: [[UInt8]]) {
        do {
            let json = try JSON.parse(a.parametersJson)
            let params = try TrainingParameters(json: json)
            guard (1...255).contains(a.labels) else { throw WireError.malformed("labels \(a.labels)") }
            guard (1...64).contains(a.candidates.count) else { throw WireError.malformed("\(a.candidates.count) trees") }
            let candidates = try a.candidates.map { try $0.candidates(params) }
            var uses: [UInt64: [(tree: Int, position: Int)]] = [:]
            for f in a.frames { uses[f.id] = try f.frameUses(trees: candidates.count) }
            let maxNode = (1 << params.maxDepth) - 1
            let decisions = try RouteWire.decisions(a.route, frames: route, trees: candidates.count, maxNode: maxNode)
            let manifest = try DatasetManifest(root: a.dataset)
            let data = LocalTrainingData(parameters: params, candidates: candidates, labelCount: Int(a.labels),
                                         kernel: HistogramKernel(threads: threads))
            let frameUses = FrameUses(uses: uses)
            let start = Date()
            try TrainingSetLoader.load(manifest: manifest, frames: uses.keys.sorted(), uses: frameUses, into: data)
            // Decisions arrive parents first, so each pixel ends in the node it would have reached.
            try data.apply(decisions)
            state = JobState(job: a.job, data: data, maxNode: maxNode)
            log(String(format: "job %@: loaded %d frames, %d samples in %.2f s%@", a.job, uses.count, data.sampleCount,
                       Date().timeIntervalSince(start), decisions.isEmpty ? "" : ", routed through \(decisions.count) decided nodes"))
            var ready = Canopy_Wire_Ready()
            ready.job = a.job
            ready.epoch = a.epoch
            ready.samples = UInt64(data.sampleCount)
            ready.memoryBytes = UInt64(data.frames.bytes + data.trees.reduce(0) { $0 + $1.bytes })
            post(Envelope.make { $0.ready = ready })
        } catch {
            state = nil
            fail(a.job, "cannot load job \(a.job): \(error)")
        }
    }

    func compute(_ c: Canopy_Wire_ComputeHistograms) {
        guard let s = state, s.job == c.job else { return fail(c.job, "asked for histograms of job \(c.job), which is not loaded here") }
        do {
            let trees = s.data.candidates.count
            for n in c.nodes where Int(n.tree) >= trees || Int(n.node) >= s.maxNode {
                throw WireError.malformed("node (\(n.tree), \(n.node)) is outside the forest")
            }
            var infos = [Canopy_Wire_NodeCountsInfo](repeating: .init(), count: c.nodes.count)
            var frames = [[UInt8]](repeating: [], count: c.nodes.count)
            let byTree = Dictionary(grouping: c.nodes.indices, by: { Int(c.nodes[$0].tree) })
            let countsPerNode = s.data.shape.countsPerNode
            for tree in byTree.keys.sorted() {
                let indices = byTree[tree]!
                let ranges = indices.map { s.data.trees[tree].range(of: Int(c.nodes[$0].node)) }
                let counts = s.data.computeCounts(tree: tree, ranges: ranges)
                let labels = s.data.shape.labels
                for (k, i) in indices.enumerated() {
                    infos[i].pixels = UInt32(ranges[k].count)
                    guard !ranges[k].isEmpty else { continue }
                    // Only the labels among this node's pixels here have non-zero counts.
                    var seen = [Bool](repeating: false, count: labels)
                    for p in s.data.trees[tree].samples[ranges[k]] { seen[Int(p.label)] = true }
                    let present = seen.indices.filter { seen[$0] }
                    infos[i].labels = present.map(UInt32.init)
                    let rows = countsPerNode / labels
                    if let u16 = counts[k].u16 {
                        infos[i].narrow = true
                        infos[i].rawBytes = UInt32(rows * present.count * 2)
                        frames[i] = try HistogramWire.pack(UnsafeBufferPointer(u16), labels: labels, present: present)
                    } else if let u32 = counts[k].u32 {
                        infos[i].rawBytes = UInt32(rows * present.count * 4)
                        frames[i] = try HistogramWire.pack(UnsafeBufferPointer(u32), labels: labels, present: present)
                    }
                }
            }
            var reply = Canopy_Wire_Histograms()
            reply.job = c.job
            reply.request = c.request
            reply.nodes = infos
            post(WireMessage(Envelope.make { $0.histograms = reply }.envelope, bulk: frames.filter { !$0.isEmpty }))
        } catch {
            fail(c.job, "cannot compute histograms: \(error)")
        }
    }

    func apply(_ a: Canopy_Wire_ApplySplits) {
        guard let s = state, s.job == a.job else { return fail(a.job, "asked to apply splits of job \(a.job), which is not loaded here") }
        do {
            try s.data.apply(try a.decisions.map { try $0.decision(trees: s.data.candidates.count, maxNode: s.maxNode) })
        } catch {
            return fail(a.job, "cannot apply splits: \(error)")
        }
        var done = Canopy_Wire_Applied()
        done.job = a.job
        done.request = a.request
        post(Envelope.make { $0.applied = done })
    }
}
