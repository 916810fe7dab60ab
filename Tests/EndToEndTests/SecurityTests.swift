import CZeroMQ
import Foundation
import RDTCore
import TestSupport
import Testing
import WireProtocol

/// CURVE and hostile input against real coordinator processes (docs/reliability.md).
@Suite(.serialized, .timeLimit(.minutes(5))) struct SecurityTests {
    @Test func onlyAllowedKeysJoinSeeStatusOrFetch() throws {
        let fx = try TrainingFixture(frames: 6)
        defer { fx.remove() }
        let made = try fx.canopy.run(["keys", "generate", "--out", fx.dir + "/keys", "stranger"])
        #expect(made.status == 0, "\(made.stderr)")
        let mode = try FileManager.default.attributesOfItem(atPath: fx.dir + "/keys/stranger.key")[.posixPermissions] as? Int
        #expect(mode == 0o600)
        let again = try fx.canopy.run(["keys", "generate", "--out", fx.dir + "/keys", "stranger"])
        #expect(again.status != 0 && again.stderr.contains("exists already"), "\(again.stderr)")
        // No keys and no --plaintext: one line saying what to pass.
        let bare = try fx.canopy.run(["status", "--coordinator", "tcp://127.0.0.1:1"])
        #expect(bare.status != 0 && bare.stderr.contains("no CURVE keys"), "\(bare.stderr)")

        let coordinator = try CoordinatorProcess(
            fx,
            arguments: [
                "--jobs", fx.dir + "/job.json", "--data", fx.dir + "/data",
                "--out", fx.dir + "/forests",
            ])
        defer { coordinator.stop() }
        let stranger = ["--key", fx.dir + "/keys/stranger.key", "--server-key", fx.dir + "/keys/coordinator.pub"]
        let worker = try startWorker(fx, coordinator.endpoint, ["--coordinator-timeout", "3"])
        defer { if worker.isRunning { worker.terminate() } }
        // A stranger's worker never joins; it gives up, saying why it might have.
        let intruder = try fx.canopy.run(
            [
                "worker", "--coordinator", coordinator.endpoint, "--threads", "1",
                "--coordinator-timeout", "2",
            ] + stranger)
        #expect(intruder.status != 0 && intruder.stdout.contains("refused this worker's key"), "\(intruder.stdout)")
        for args in [stranger, ["--plaintext"]] {
            let r = try fx.canopy.run(["status", "--coordinator", coordinator.endpoint, "--timeout", "2"] + args)
            #expect(r.status != 0 && r.stderr.contains("no answer"), "\(args): \(r.stdout) \(r.stderr)")
            let f = try fx.canopy.run(
                [
                    "fetch", "--coordinator", coordinator.endpoint, "--job", "small", "--out", fx.dir + "/stolen",
                    "--timeout", "2",
                ] + args)
            #expect(f.status != 0)
            #expect(!FileManager.default.fileExists(atPath: fx.dir + "/stolen"))
        }
        #expect(
            try fx.canopy.run(["status", "--coordinator", coordinator.endpoint, "--timeout", "2", "--plaintext"]).stderr
                .contains("warning: plaintext"))
        // The allowed worker trains the job; the allowed client sees it and fetches it.
        var finished = false
        for _ in 0..<600 where !finished {
            let s = try fx.canopy.run(["status", "--coordinator", coordinator.endpoint, "--json"] + fx.clientKeys)
            finished = s.stdout.contains("\"finished\"")
            if !finished { usleep(50_000) }
        }
        #expect(finished, "\(coordinator.log)")
        let status = try JSON.parse(try fx.canopy.run(["status", "--coordinator", coordinator.endpoint, "--json"] + fx.clientKeys).stdout)
        #expect(status["workers"]?.arrayValue?.count == 1, "only the allowed worker is listed: \(status.serialized())")
        let fetched = try fx.canopy.run(
            ["fetch", "--coordinator", coordinator.endpoint, "--job", "small", "--out", fx.dir + "/got"]
                + fx.clientKeys)
        #expect(fetched.status == 0, "\(fetched.stderr)")
        // Every attempt was logged: the stranger's key by name, the keyless handshakes.
        let log = coordinator.log
        #expect(log.contains("is not allowed"), "\(log)")
        #expect(log.contains("handshake failed"), "\(log)")
    }

    /// A client key (`--allow-client`) may ask for status and forests but never act as a worker,
    /// and a message over its 1 MiB cap is dropped without the coordinator holding it.
    @Test func clientKeysAskForStatusButNeverWork() throws {
        let fx = try TrainingFixture(frames: 3)
        defer { fx.remove() }
        let made = try fx.canopy.run(["keys", "generate", "--out", fx.dir + "/keys", "viewer"])
        #expect(made.status == 0, "\(made.stderr)")
        let coordinator = try CoordinatorProcess(
            fx,
            arguments: [
                "--jobs", fx.dir + "/job.json", "--data", fx.dir + "/data",
                "--out", fx.dir + "/forests", "--allow-client",
                fx.dir + "/keys/viewer.pub",
            ])
        defer { coordinator.stop() }
        let viewer = ["--key", fx.dir + "/keys/viewer.key", "--server-key", fx.dir + "/keys/coordinator.pub"]
        let status = try fx.canopy.run(["status", "--coordinator", coordinator.endpoint, "--json"] + viewer)
        #expect(status.status == 0, "\(status.stderr)")
        // As a worker it never joins: its Hello is dropped, so it hears nothing and gives up.
        let worker = try fx.canopy.run(
            [
                "worker", "--coordinator", coordinator.endpoint, "--threads", "1",
                "--coordinator-timeout", "2",
            ] + viewer)
        #expect(worker.status != 0)
        #expect(coordinator.log.contains("client keys may only ask for status and forests"), "\(coordinator.log)")
        let after = try JSON.parse(
            Array(try fx.canopy.run(["status", "--coordinator", coordinator.endpoint, "--json"] + viewer).stdout.utf8))
        #expect(after["workers"]?.arrayValue?.isEmpty == true, "\(after.serialized())")
        // A status request carrying 2 MiB of bulk frames is over a client's cap: dropped, and the
        // next request on the same connection is answered.
        let socket = try ZMQSocket(try ZMQContext(), .dealer)
        try Security.client(
            serverKey: try CurveKeyPair.loadPublic(fx.dir + "/keys/coordinator.pub"),
            try CurveKeyPair.load(secretFile: fx.dir + "/keys/viewer.key")
        ).apply(to: socket)
        try socket.connect(coordinator.endpoint)
        var ask = Canopy_Wire_Envelope()
        ask.statusRequest = Canopy_Wire_StatusRequest()
        try socket.send(WireMessage(ask, bulk: [[UInt8](repeating: 1, count: 1 << 20), [UInt8](repeating: 2, count: 1 << 20)]))
        try socket.send(WireMessage(ask))
        var answers = 0
        let deadline = Date().addingTimeInterval(20)
        while answers == 0 && Date() < deadline {
            guard let frames = try socket.receive(timeoutMs: 100) else { continue }
            if let m = try? WireCodec.decode(frames[...]), case .statusReply = m.envelope.body { answers += 1 }
        }
        #expect(answers == 1)
        usleep(300_000)
        #expect(try socket.receive(timeoutMs: 200) == nil, "the oversized request was answered")
        #expect(coordinator.log.contains("dropped a message over 1 MiB"), "\(coordinator.log)")
    }

    @Test func aHundredThousandHostileMessagesLeaveTheCoordinatorServing() throws {
        let fx = try TrainingFixture(frames: 3)
        defer { fx.remove() }
        // A job that waits for two workers, so hostile Hellos cannot start it.
        let coordinator = try CoordinatorProcess(
            fx,
            arguments: [
                "--jobs", fx.dir + "/job.json", "--data", fx.dir + "/data",
                "--min-workers", "2",
            ], plaintext: true)
        defer { coordinator.stop() }
        let socket = try ZMQSocket(try ZMQContext(), .dealer)
        try socket.setOption(ZMQ_SNDHWM, Int32(100_000))
        try socket.connect(coordinator.endpoint)
        var mutator = MessageMutator(seed: 2026)
        var sent = 0
        while sent < 100_000 {
            try socket.send(mutator.next())
            sent += 1
            // Read what comes back (Rejoin, Refused, status) so neither side's queue fills.
            if sent % 64 == 0 { while try socket.receive(timeoutMs: 0) != nil {} }
        }
        // A status request behind them on the same connection: its answer means all were handled.
        var ask = Canopy_Wire_Envelope()
        ask.statusRequest = Canopy_Wire_StatusRequest()
        try socket.send(WireMessage(ask))
        var answered = false
        let deadline = Date().addingTimeInterval(120)
        while !answered && Date() < deadline {
            guard let frames = try socket.receive(timeoutMs: 100) else { continue }
            if let m = try? WireCodec.decode(frames[...]), case .statusReply = m.envelope.body { answered = true }
        }
        #expect(answered, "the coordinator did not get through the hostile messages")
        // An oversized frame (over ZMQ_MAXMSGSIZE) from another peer only costs that peer its connection.
        let big = try ZMQSocket(try ZMQContext(), .dealer)
        try big.connect(coordinator.endpoint)
        try big.send([WireCodec.header(), [UInt8](repeating: 7, count: WireCodec.maxFrameBytes + 1)])
        let status = try CoordinatorClient(endpoint: coordinator.endpoint, timeoutMs: 60_000).status()
        #expect(status.contains("\"small\""))
        #expect(coordinator.process.isRunning)
        let rss = residentMiB(coordinator.process.processIdentifier)
        #expect(rss > 0 && rss < 300, "coordinator RSS \(rss) MiB after the hostile messages")
        #expect(coordinator.log.contains("(10000 dropped so far;"), "\(coordinator.log.suffix(2000))")
    }
}

/// A process's resident set in MiB (VmRSS), 0 if unknown.
func residentMiB(_ pid: Int32) -> Int {
    guard let text = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
        let line = text.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
        let kib = Int(line.split(separator: " ").dropFirst().first ?? "")
    else { return 0 }
    return kib / 1024
}
