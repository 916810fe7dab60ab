import Dataset
import Logging
import RDTCore
import TestSupport
import Testing
import Training
import WireProtocol

@testable import Coordinator

/// A coordinator without sockets: the pool under a fake clock, sends recorded, and each pump
/// plays the next scripted step (what the workers would have sent meanwhile).
final class FakeLink: ClusterLink {
    struct OutOfScript: Error {}

    var pool = WorkerPool()
    var clock = FakeClock()
    var sent: [(message: WireMessage, to: [PeerIdentity])] = []
    var script: [(FakeLink) -> Void] = []
    var failure: String?
    var lines: [String] = []
    var refused: [PeerIdentity] = []

    @discardableResult
    func update(_ event: WorkerPool.Event) -> [WorkerPool.Action] {
        let actions = pool.on(event, now: clock.now)
        for action in actions {
            if case let .log(_, line) = action { lines.append(line) }
            if case let .refuse(identity, _) = action { refused.append(identity) }
        }
        return actions
    }

    @discardableResult
    func send(_ message: WireMessage, to identities: [PeerIdentity]) -> Int {
        sent.append((message, identities))
        return 100 * identities.count
    }

    func pump(timeoutMs: Int) throws {
        clock.advance(ms: timeoutMs)
        guard !script.isEmpty else { throw OutOfScript() }
        script.removeFirst()(self)
    }

    func log(_ level: Logger.Level, _ line: String) { lines.append(line) }
    func now() -> UInt64 { clock.now }
}

@Suite struct ClusterSourceTests {
    let a: PeerIdentity = [1], b: PeerIdentity = [2]
    /// 2 candidates x 2 bins x 2 labels.
    let shape = HistogramShape(candidates: 2, bins: 2, labels: 2)
    let n0 = NodeKey(tree: 0, node: 0), n1 = NodeKey(tree: 0, node: 1), n2 = NodeKey(tree: 0, node: 2)

    /// A link whose workers a (frames 10, 11) and b (frame 12) are ready, and a source on it.
    func loaded() -> (FakeLink, ClusterSource) {
        let link = FakeLink()
        for w in [a, b] { link.update(.hello(w, host: "h", pid: 1, threads: 1)) }
        link.update(.startJob(frames: 3, candidates: 2))
        for case let .assign(id, epoch, _) in link.update(.rebalance) {
            link.update(.ready(id, epoch: epoch, samples: 10, memoryBytes: 0))
        }
        var template = Canopy_Wire_AssignShards()
        template.job = "j"
        let uses = FrameUses(indexes: [[10, 11, 12]])
        let source = ClusterSource(
            link: link, job: "j", shape: shape, frames: [10, 11, 12], uses: uses,
            template: template, prefetchDepth: 2)
        return (link, source)
    }

    /// A worker's reply to `request`: one histogram per entry of `counts` (all labels present).
    func reply(_ request: UInt64, _ counts: [[UInt32]], job: String = "j") -> (Canopy_Wire_Histograms, [[UInt8]]) {
        var h = Canopy_Wire_Histograms()
        h.job = job
        h.request = request
        var bulk: [[UInt8]] = []
        for c in counts {
            var info = Canopy_Wire_NodeCountsInfo()
            info.pixels = c.reduce(0, +) / UInt32(shape.candidates)
            info.labels = [0, 1]
            info.rawBytes = UInt32(c.count * 4)
            h.nodes.append(info)
            bulk.append(try! c.withUnsafeBufferPointer { try HistogramWire.pack($0, labels: 2, present: [0, 1]) })
        }
        return (h, bulk)
    }

    /// A scripted step: `worker` answers with `reply(id, counts, job:)`.
    func answer(_ source: ClusterSource, _ id: UInt64, _ counts: [[UInt32]], job: String = "j", from worker: PeerIdentity)
        -> (FakeLink) -> Void
    {
        { _ in
            let (h, bulk) = reply(id, counts, job: job)
            source.receive(h, bulk: bulk, from: worker)
        }
    }

    func requests(_ link: FakeLink) -> [Canopy_Wire_ComputeHistograms] {
        link.sent.compactMap { if case let .compute(c)? = $0.message.envelope.body { return c } else { return nil } }
    }

    @Test func histogramsAreTheSumOfEveryHoldersReply() throws {
        let (link, source) = loaded()
        let x: [UInt32] = [1, 2, 3, 4, 5, 6, 7, 8], y: [UInt32] = [8, 7, 6, 5, 4, 3, 2, 1]
        link.script = [
            answer(source, 1, [x], from: a),
            answer(source, 1, [y], from: b),
        ]
        let sums = try source.histograms(for: [n0])
        #expect(sums == [[UInt32](repeating: 9, count: 8)])
        #expect(requests(link).count == 1 && link.sent[0].to == [a, b])
        #expect(source.clusterFigures?.bytesReceived ?? 0 > 0)
    }

    @Test func aReplyWithTooFewHistogramsDropsItsSenderAndInterruptsTheLevel() {
        let (link, source) = loaded()
        link.script = [
            answer(source, 1, [], from: a)
        ]
        #expect(throws: LevelInterrupted.self) { try source.histograms(for: [n0]) }
        #expect(link.refused == [a] && link.pool.peers[a] == nil)
    }

    @Test func appliedAnsweringAHistogramRequestIsRejected() {
        let (link, source) = loaded()
        link.script = [
            { _ in
                var applied = Canopy_Wire_Applied()
                applied.job = "j"
                applied.request = 1
                source.receive(applied: applied, from: b)
            }
        ]
        #expect(throws: LevelInterrupted.self) { try source.histograms(for: [n0]) }
        #expect(link.refused == [b])
    }

    @Test func repliesOfAnotherJobOrRequestAreIgnored() throws {
        let (link, source) = loaded()
        let x = [UInt32](repeating: 1, count: 8)
        link.script = [
            answer(source, 1, [x], job: "other", from: a),
            answer(source, 7, [x], from: a),
            answer(source, 1, [x], from: a),
            answer(source, 1, [x], from: a),  // a duplicate: stale
            answer(source, 1, [x], from: b),
        ]
        #expect(try source.histograms(for: [n0]) == [[UInt32](repeating: 2, count: 8)])
        #expect(link.refused.isEmpty)
    }

    @Test func aHolderLostMidBatchInterruptsTheLevel() {
        let (link, source) = loaded()
        link.script = [
            answer(source, 1, [[UInt32](repeating: 1, count: 8)], from: a),
            { link in link.update(.unreachable(b)) },
        ]
        #expect(throws: LevelInterrupted.self) { try source.histograms(for: [n0]) }
        #expect(link.pool.lostHolding == 1)
        // The next level's batches are refused until the frames are settled again.
        #expect(throws: LevelInterrupted.self) { try source.prefetch([n0]) }
    }

    @Test func prefetchedBatchesAreSentOnceAndAnsweredInOrder() throws {
        let (link, source) = loaded()
        try source.prefetch([n1])
        try source.prefetch([n2])
        #expect(requests(link).map(\.request) == [1, 2])
        link.script = [
            answer(source, 2, [[UInt32](repeating: 2, count: 8)], from: a),
            answer(source, 1, [[UInt32](repeating: 1, count: 8)], from: a),
            answer(source, 1, [[UInt32](repeating: 1, count: 8)], from: b),
        ]
        #expect(try source.histograms(for: [n1]) == [[UInt32](repeating: 2, count: 8)])
        link.script = [
            answer(source, 2, [[UInt32](repeating: 2, count: 8)], from: b)
        ]
        #expect(try source.histograms(for: [n2]) == [[UInt32](repeating: 4, count: 8)])
        #expect(requests(link).count == 2, "no batch asked for twice")
    }

    @Test func applyWaitsForEachHolderButNotForOneLost() throws {
        let (link, source) = loaded()
        link.script = [
            { _ in
                var applied = Canopy_Wire_Applied()
                applied.job = "j"
                applied.request = 1
                source.receive(applied: applied, from: a)
            },
            { link in link.update(.unreachable(b)) },
        ]
        try source.apply([(n0, .leaf)])
        guard case let .apply(message)? = link.sent.last?.message.envelope.body else {
            Issue.record("no ApplySplits sent")
            return
        }
        #expect(message.decisions.count == 1 && message.decisions[0].leaf)
        #expect(link.pool.interrupted, "the lost worker's frames are reloaded before the next level")
    }

    @Test func prepareAssignsShardsAndReturnsOnceEveryHolderIsReady() throws {
        let link = FakeLink()
        for w in [a, b] { link.update(.hello(w, host: "h", pid: 1, threads: 1)) }
        link.update(.startJob(frames: 3, candidates: 2))
        var template = Canopy_Wire_AssignShards()
        template.job = "j"
        let source = ClusterSource(
            link: link, job: "j", shape: shape, frames: [10, 11, 12],
            uses: FrameUses(indexes: [[10, 11, 12]]), template: template, prefetchDepth: 1)
        func ready(_ w: PeerIdentity) -> (FakeLink) -> Void {
            { link in link.update(.ready(w, epoch: link.pool.peers[w]?.assignedEpoch ?? 0, samples: 5, memoryBytes: 0)) }
        }
        link.script = [ready(a), ready(b)]
        try source.prepare([])
        let assigned = link.sent.compactMap { s -> ([PeerIdentity], Canopy_Wire_AssignShards)? in
            if case let .assign(x)? = s.message.envelope.body { return (s.to, x) } else { return nil }
        }
        #expect(assigned.count == 2)
        #expect(assigned[0].0 == [a] && assigned[0].1.frames.map(\.id) == [10, 11], "frames sorted")
        #expect(assigned[0].1.frames[1].uses.first?.position == 1, "index position of frame 11")
        #expect(assigned[1].0 == [b] && assigned[1].1.frames.map(\.id) == [12])
        #expect(link.script.isEmpty && link.pool.loading.isEmpty)
    }

    @Test func prepareStartsOverWhenAWorkerIsLostWhileLoading() throws {
        let link = FakeLink()
        for w in [a, b] { link.update(.hello(w, host: "h", pid: 1, threads: 1)) }
        link.update(.startJob(frames: 3, candidates: 2))
        let source = ClusterSource(
            link: link, job: "j", shape: shape, frames: [10, 11, 12],
            uses: FrameUses(indexes: [[10, 11, 12]]), template: Canopy_Wire_AssignShards(), prefetchDepth: 1)
        link.script = [
            { link in link.update(.ready(self.a, epoch: link.pool.peers[self.a]?.assignedEpoch ?? 0, samples: 5, memoryBytes: 0)) },
            { link in link.update(.unreachable(self.b)) },
            { link in link.update(.ready(self.a, epoch: link.pool.peers[self.a]?.assignedEpoch ?? 0, samples: 8, memoryBytes: 0)) },
        ]
        try source.prepare([])
        #expect(link.pool.frames(of: a) == [0..<3] && link.pool.peers[a]?.samples == 8)
        #expect(link.pool.epoch == 2 && !link.pool.interrupted)
    }

    @Test func aWorkersErrorFailsTheJob() {
        let (link, source) = loaded()
        link.script = [{ link in link.failure = "worker h pid 1: cannot load job j" }]
        #expect(throws: JobFailure.self) { try source.histograms(for: [n0]) }
    }
}

/// Without any worker for the configured time, a job fails in one line instead of waiting.
@Suite struct NoWorkerTimeoutTests {
    @Test func aPoolEmptyForTheTimeoutFailsTheJob() {
        let link = FakeLink()
        link.update(.startJob(frames: 1, candidates: 1))
        let source = ClusterSource(
            link: link, job: "j", shape: HistogramShape(candidates: 1, bins: 2, labels: 2), frames: [1],
            uses: FrameUses(indexes: [[1]]), template: Canopy_Wire_AssignShards(), prefetchDepth: 1)
        source.noWorkerTimeoutMs = 100
        link.script = Array(repeating: { _ in }, count: 20)  // 20 pumps of 20 ms: nobody joins
        do {
            try source.prepare([])
            Issue.record("prepare returned without workers")
        } catch {
            #expect("\(error)".contains("no worker for 0 s") || "\(error)".contains("no worker for"), "\(error)")
            #expect(error is JobFailure)
        }
        #expect(link.lines.contains { $0.contains("no workers left; waiting for one to join") })
    }
}
