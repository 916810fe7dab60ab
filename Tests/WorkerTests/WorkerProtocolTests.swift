import Foundation
import Testing

@testable import WireProtocol
@testable import Worker

/// A worker against a scripted coordinator: a real ROUTER socket on loopback in this process.
@Suite(.serialized, .timeLimit(.minutes(1))) struct WorkerProtocolTests {
    func coordinator() throws -> (ZMQSocket, String) {
        let router = try ZMQSocket(try ZMQContext(), .router)
        try router.bind("tcp://127.0.0.1:*")
        return (router, try router.lastEndpoint())
    }

    func runWorker(_ endpoint: String, timeoutMs: Int = 15_000) -> (DispatchGroup, () -> WorkerExit?) {
        let group = DispatchGroup()
        let lock = NSLock()
        var result: WorkerExit?
        let worker = TrainingWorker(endpoint: endpoint, threads: 1)
        worker.coordinatorTimeoutMs = timeoutMs
        worker.connectTimeoutMs = timeoutMs
        group.enter()
        Thread.detachNewThread {
            let r = try? worker.run()
            lock.lock()
            result = r
            lock.unlock()
            group.leave()
        }
        return (
            group,
            {
                lock.lock()
                defer { lock.unlock() }
                return result
            }
        )
    }

    func envelope(_ fill: (inout Canopy_Wire_Envelope) -> Void) -> WireMessage {
        var e = Canopy_Wire_Envelope()
        fill(&e)
        return WireMessage(e)
    }

    @Test func registersHeartbeatsAndStopsWhenTold() throws {
        let (router, endpoint) = try coordinator()
        let (group, result) = runWorker(endpoint)
        let hello = try #require(try router.receive(timeoutMs: 10_000))
        let message = try WireCodec.decode(hello[1...])
        guard case .hello(let h) = message.envelope.body else {
            Issue.record("first message is \(message.kind)")
            return
        }
        #expect(h.role == "worker" && h.threads == 1 && h.pid > 0)
        var w = Canopy_Wire_Welcome()
        w.peerID = "w1"
        w.heartbeatMs = 50
        try router.send(envelope { $0.welcome = w }, to: hello[0])
        // Heartbeats arrive at about the interval asked for.
        var beats = 0
        let until = Date().addingTimeInterval(1)
        while Date() < until, let frames = try router.receive(timeoutMs: 200) {
            if case .heartbeat = try WireCodec.decode(frames[1...]).envelope.body { beats += 1 }
        }
        #expect(beats >= 5)
        var s = Canopy_Wire_Shutdown()
        s.reason = "test over"
        try router.send(envelope { $0.shutdown = s }, to: hello[0])
        #expect(group.wait(timeout: .now() + 10) == .success)
        #expect(result() == .shutdown("test over"))
    }

    @Test func anotherVersionOrASilentCoordinatorStopsTheWorker() throws {
        let (router, endpoint) = try coordinator()
        let (group, result) = runWorker(endpoint)
        let hello = try #require(try router.receive(timeoutMs: 10_000))
        try router.send(envelope { $0.heartbeat = Canopy_Wire_Heartbeat() }, to: hello[0], version: WireCodec.version + 1)
        #expect(group.wait(timeout: .now() + 10) == .success)
        guard case .refused(let why)? = result() else {
            Issue.record("expected refused, got \(String(describing: result()))")
            return
        }
        #expect(why.contains("version \(WireCodec.version + 1)") && why.contains("version \(WireCodec.version)"))

        let (quiet, quietEndpoint) = try coordinator()
        let (group2, result2) = runWorker(quietEndpoint, timeoutMs: 300)
        _ = try quiet.receive(timeoutMs: 10_000)
        #expect(group2.wait(timeout: .now() + 10) == .success)
        #expect(result2() == .coordinatorGone(quietEndpoint))
    }
}
