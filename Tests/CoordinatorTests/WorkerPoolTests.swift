import TestSupport
import Testing

@testable import Coordinator

/// The worker pool as a state machine under a fake clock: no sockets, no waiting.
@Suite struct WorkerPoolTests {
    let a: PeerIdentity = [1], b: PeerIdentity = [2], c: PeerIdentity = [3]

    /// A pool with `workers` registered at the clock's time.
    func pool(_ workers: [PeerIdentity], clock: FakeClock, settings: WorkerPool.Settings = .init()) -> WorkerPool {
        var p = WorkerPool(settings: settings)
        for w in workers { _ = p.on(.hello(w, host: "h", pid: 1, threads: 2), now: clock.now) }
        return p
    }

    func assignments(_ actions: [WorkerPool.Action]) -> [PeerIdentity: [Range<Int>]] {
        var out: [PeerIdentity: [Range<Int>]] = [:]
        for case let .assign(id, _, frames) in actions { out[id] = frames }
        return out
    }

    func logs(_ actions: [WorkerPool.Action]) -> [String] {
        actions.compactMap { if case let .log(_, line) = $0 { return line } else { return nil } }
    }

    /// Registers `workers`, starts a job of `frames` frames, rebalances and makes everyone ready.
    func loaded(
        _ workers: [PeerIdentity], frames: Int, clock: FakeClock, settings: WorkerPool.Settings = .init(),
        candidates: Int = 100
    ) -> WorkerPool {
        var p = pool(workers, clock: clock, settings: settings)
        _ = p.on(.startJob(frames: frames, candidates: candidates), now: clock.now)
        for case let .assign(id, epoch, _) in p.on(.rebalance, now: clock.now) {
            _ = p.on(.ready(id, epoch: epoch, samples: 1000, memoryBytes: 0), now: clock.now)
        }
        return p
    }

    @Test func helloWelcomesWorkersWithNamesInJoinOrder() {
        var p = WorkerPool()
        let first = p.on(.hello(a, host: "n1", pid: 7, threads: 4), now: 1)
        let second = p.on(.hello(b, host: "n2", pid: 8, threads: 4), now: 1)
        #expect(first.contains(.welcome(a, peerID: "w1")))
        #expect(second.contains(.welcome(b, peerID: "w2")))
        #expect(p.order == [a, b])
        #expect(p.peers[a]?.host == "n1" && p.peers[a]?.pid == 7)
    }

    @Test func heartbeatsGoOutOncePerInterval() {
        var clock = FakeClock()
        var p = pool([a, b], clock: clock)
        #expect(p.on(.tick, now: clock.now).contains(.heartbeat([a, b])))
        clock.advance(ms: 100)
        #expect(!p.on(.tick, now: clock.now).contains(.heartbeat([a, b])))
        clock.advance(ms: 400)
        #expect(p.on(.tick, now: clock.now).contains(.heartbeat([a, b])))
    }

    @Test func aSilentWorkerIsLostAndAHeardOneStays() {
        var clock = FakeClock()
        var p = pool([a, b], clock: clock)
        clock.advance(ms: 2_000)
        _ = p.on(.heard(b), now: clock.now)
        clock.advance(ms: 1_500)
        let actions = p.on(.tick, now: clock.now)
        #expect(p.order == [b])
        #expect(logs(actions).contains { $0.contains("w1") && $0.contains("left: silent for over 3000 ms") })
        #expect(!p.interrupted, "an idle worker's loss interrupts nothing")
    }

    @Test func rebalanceSpreadsFramesEvenlyUnderANewEpoch() {
        let clock = FakeClock()
        var p = pool([a, b], clock: clock)
        _ = p.on(.startJob(frames: 60, candidates: 100), now: clock.now)
        let given = assignments(p.on(.rebalance, now: clock.now))
        #expect(given[a] == [0..<30] && given[b] == [30..<60])
        #expect(p.assigned == [a, b] && p.loading == [a, b] && p.epoch == 1)
        #expect(p.on(.rebalance, now: clock.now).isEmpty, "nothing changed: no new assignments")
    }

    @Test func readyCountsOnlyForTheCurrentEpoch() {
        let clock = FakeClock()
        var p = pool([a], clock: clock)
        _ = p.on(.startJob(frames: 5, candidates: 10), now: clock.now)
        _ = p.on(.rebalance, now: clock.now)
        _ = p.on(.ready(a, epoch: p.epoch + 1, samples: 9, memoryBytes: 0), now: clock.now)
        #expect(p.loading == [a] && p.peers[a]?.isReady == false)
        _ = p.on(.ready(a, epoch: p.epoch, samples: 9, memoryBytes: 0), now: clock.now)
        #expect(p.loading.isEmpty && p.peers[a]?.isReady == true && p.peers[a]?.samples == 9)
    }

    @Test func losingAHolderInterruptsAndItsFramesMoveAtTheNextRebalance() {
        let clock = FakeClock()
        var p = loaded([a, b], frames: 50, clock: clock)
        let actions = p.on(.unreachable(a), now: clock.now)
        #expect(p.interrupted && p.lostHolding == 1 && p.assigned == [b])
        #expect(logs(actions).contains { $0.contains("w1") && $0.contains("lost: its connection closed; its 25 frames") })
        let epoch = p.epoch
        let given = assignments(p.on(.rebalance, now: clock.now))
        #expect(given[b] == [0..<50] && p.epoch == epoch + 1)
        #expect(!p.interrupted, "the rebalance settles the interruption")
    }

    @Test func aWorkerJoiningMidJobTakesHalfTheFrames() {
        var clock = FakeClock()
        var p = loaded([a], frames: 30, clock: clock)
        clock.advance(ms: 10)
        _ = p.on(.hello(b, host: "h", pid: 2, threads: 2), now: clock.now)
        let given = assignments(p.on(.rebalance, now: clock.now))
        #expect(given[a] == [0..<15] && given[b] == [15..<30], "\(given)")
        #expect(p.assigned == [a, b])
    }

    @Test func registeringAgainDropsWhatTheConnectionHeld() {
        let clock = FakeClock()
        var p = loaded([a], frames: 10, clock: clock)
        let actions = p.on(.hello(a, host: "h", pid: 3, threads: 2), now: clock.now)
        #expect(p.interrupted && p.lostHolding == 1)
        #expect(actions.contains(.welcome(a, peerID: "w2")), "a new name for the new registration")
        #expect(logs(actions).contains { $0.contains("it registered again") })
    }

    @Test func aRequestWaitsOnTheHoldersUntilEachAnswers() {
        let clock = FakeClock()
        var p = loaded([a, b, c], frames: 2, clock: clock)
        #expect(p.assigned == [a, b], "c holds nothing: there are only two frames")
        _ = p.on(.sent(1, .histograms), now: clock.now)
        #expect(p.isWaiting(1, on: a) && p.isWaiting(1, on: b) && !p.isWaiting(1, on: c))
        _ = p.on(.answered(1, a), now: clock.now)
        #expect(!p.isComplete(1) && !p.isWaiting(1, on: a), "an answer counts once")
        _ = p.on(.answered(1, b), now: clock.now)
        #expect(p.isComplete(1) && p.kind(of: 1) == .histograms)
        _ = p.on(.closed(1), now: clock.now)
        #expect(p.kind(of: 1) == nil)
    }

    @Test func aLostWorkerIsNoLongerWaitedFor() {
        let clock = FakeClock()
        var p = loaded([a, b], frames: 20, clock: clock)
        _ = p.on(.sent(5, .apply), now: clock.now)
        _ = p.on(.answered(5, a), now: clock.now)
        _ = p.on(.unreachable(b), now: clock.now)
        #expect(p.isComplete(5))
    }

    @Test func aWorkerThatHeartbeatsButNeverAnswersMissesItsDeadline() {
        var clock = FakeClock()
        var settings = WorkerPool.Settings()
        settings.requestTimeoutMs = 2_000
        settings.requestTimeoutFactor = 1
        var p = loaded([a], frames: 10, clock: clock, settings: settings)
        _ = p.on(.sent(1, .histograms), now: clock.now)
        var lost: [String] = []
        for _ in 0..<30 {  // 3 s in steps of 100 ms, heard all along
            clock.advance(ms: 100)
            _ = p.on(.heard(a), now: clock.now)
            lost += logs(p.on(.tick, now: clock.now))
        }
        #expect(p.order.isEmpty && p.interrupted)
        #expect(lost.contains { $0.contains("no reply to request 1") })
    }

    @Test func aReplyToAnEarlierRequestExtendsTheDeadline() {
        var clock = FakeClock()
        var settings = WorkerPool.Settings()
        settings.requestTimeoutMs = 1_000
        settings.workerTimeoutMs = 60_000
        var p = loaded([a], frames: 10, clock: clock, settings: settings, candidates: 0)
        _ = p.on(.sent(1, .histograms), now: clock.now)
        _ = p.on(.sent(2, .histograms), now: clock.now)
        clock.advance(ms: 900)
        _ = p.on(.answered(1, a), now: clock.now)
        clock.advance(ms: 900)
        _ = p.on(.tick, now: clock.now)
        #expect(p.order == [a], "request 2's clock started at the reply to request 1")
        clock.advance(ms: 200)
        _ = p.on(.tick, now: clock.now)
        #expect(p.order.isEmpty)
    }

    @Test func theDeadlineGrowsWithTheWorkersSamples() {
        var p = WorkerPool()
        _ = p.on(.startJob(frames: 0, candidates: 2_000), now: 1)
        let floor = UInt64(WorkerPool.Settings().requestTimeoutMs) * 1_000_000
        #expect(p.requestDeadlineNs(samples: 0) == floor)
        // 10 x 1M samples x 2000 candidates x 5 ns = 100 s on top of the floor.
        #expect(p.requestDeadlineNs(samples: 1_000_000) == floor + 100_000_000_000)
    }

    @Test func aMisbehavingWorkerIsToldWhyAndDropped() {
        let clock = FakeClock()
        var p = loaded([a, b], frames: 20, clock: clock)
        let actions = p.on(.misbehaved(a, "sent 0 histograms for 1 nodes"), now: clock.now)
        #expect(actions.contains(.refuse(a, reason: "worker w1 sent 0 histograms for 1 nodes; dropped")))
        #expect(p.peers[a] == nil && p.interrupted)
    }

    @Test func abandonedRequestsMakeLateRepliesStale() {
        let clock = FakeClock()
        var p = loaded([a], frames: 10, clock: clock)
        _ = p.on(.sent(3, .histograms), now: clock.now)
        _ = p.on(.closedAll, now: clock.now)
        #expect(!p.isWaiting(3, on: a))
        #expect(p.on(.answered(3, a), now: clock.now).isEmpty)
    }

    @Test func aNewJobStartsWithACleanSlate() {
        let clock = FakeClock()
        var p = loaded([a, b], frames: 20, clock: clock)
        _ = p.on(.unreachable(a), now: clock.now)
        _ = p.on(.endJob, now: clock.now)
        _ = p.on(.startJob(frames: 4, candidates: 10), now: clock.now)
        #expect(!p.interrupted && p.lostHolding == 0 && p.assigned.isEmpty && p.loading.isEmpty)
        #expect(assignments(p.on(.rebalance, now: clock.now))[b] == [0..<4])
    }
}
