import CZeroMQ
import Foundation
import RDTCore
import TestSupport
import Testing
import WireProtocol

/// A `canopy coordinator` process on a free loopback port (or `bind`), its output in a log file.
final class CoordinatorProcess {
    let process = Process()
    let endpoint: String
    let logPath: String

    /// `openFiles`: the coordinator starts under this soft descriptor limit (`ulimit -S -n`).
    init(
        _ fx: TrainingFixture, arguments: [String], bind: String = "tcp://127.0.0.1:*", plaintext: Bool = false,
        openFiles: Int? = nil
    ) throws {
        let canopy = fx.canopy, dir = fx.dir
        let file = dir + "/endpoint-\(UUID().uuidString)"
        logPath = file + ".log"
        FileManager.default.createFile(atPath: logPath, contents: nil)
        let log = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        let args = ["coordinator", "--bind", bind, "--endpoint-file", file] + arguments + (plaintext ? ["--plaintext"] : fx.serverKeys)
        if let openFiles {
            process.executableURL = URL(fileURLWithPath: "/bin/sh")
            process.arguments = ["-c", "ulimit -S -n \(openFiles) && exec \"$0\" \"$@\"", canopy.path] + args
        } else {
            process.executableURL = URL(fileURLWithPath: canopy.path)
            process.arguments = args
        }
        process.standardOutput = log
        process.standardError = log
        try process.run()
        let deadline = Date().addingTimeInterval(20)
        while !FileManager.default.fileExists(atPath: file) && Date() < deadline { usleep(20_000) }
        endpoint = try String(contentsOfFile: file, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// What the coordinator printed so far.
    var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    func stop() {
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
    }
}

func startWorker(_ fx: TrainingFixture, _ endpoint: String, _ extra: [String] = []) throws -> Process {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: fx.canopy.path)
    p.arguments = ["worker", "--coordinator", endpoint, "--threads", "1"] + fx.clientKeys + extra
    p.standardOutput = FileHandle.nullDevice
    p.standardError = FileHandle.nullDevice
    try p.run()
    return p
}

@Suite(.serialized, .timeLimit(.minutes(3))) struct CoordinatorServiceTests {
    @Test func anotherProtocolVersionIsRefusedNamingBothVersions() throws {
        let fx = try TrainingFixture(frames: 3)
        defer { fx.remove() }
        let coordinator = try CoordinatorProcess(
            fx, arguments: ["--jobs", fx.dir + "/job.json", "--data", fx.dir + "/data"],
            plaintext: true)
        defer { coordinator.stop() }
        let socket = try ZMQSocket(try ZMQContext(), .dealer)
        try socket.connect(coordinator.endpoint)
        var hello = Canopy_Wire_Envelope()
        hello.hello = Canopy_Wire_Hello()
        hello.hello.role = "worker"
        try socket.send(WireMessage(hello), version: WireCodec.version + 1)
        let reply = try #require(try socket.receive(timeoutMs: 10_000))
        let message = try WireCodec.decode(reply[...])
        guard case .refused(let r) = message.envelope.body else {
            Issue.record("expected Refused, got \(message.kind)")
            return
        }
        #expect(r.reason.contains("version \(WireCodec.version + 1)") && r.reason.contains("version \(WireCodec.version)"), "\(r.reason)")
        // A worker that offers no peer socket cannot take part in the reduction among workers: told why.
        let other = try ZMQSocket(try ZMQContext(), .dealer)
        try other.connect(coordinator.endpoint)
        try other.send(WireMessage(hello))
        let answer = try WireCodec.decode(try #require(try other.receive(timeoutMs: 10_000))[...])
        guard case .refused(let noPeer) = answer.envelope.body else {
            Issue.record("expected Refused, got \(answer.kind)")
            return
        }
        #expect(noPeer.reason.contains("offers no peer endpoint") && noPeer.reason.contains("--reduction coordinator"), "\(noPeer.reason)")
        // Garbage is dropped without harm: the coordinator still answers status afterwards.
        try socket.send([[1, 2, 3], [UInt8](repeating: 0xff, count: 100)])
        let status = try CoordinatorClient(endpoint: coordinator.endpoint).status()
        #expect(status.contains("\"small\""))
    }

    @Test func statusShowsProgressAndFetchWaitsForTheJobToFinish() throws {
        let fx = try TrainingFixture()
        defer { fx.remove() }
        let out = fx.dir + "/forests"
        // Heavy enough to train for seconds, so status polls (a process each) see it training.
        let slow = """
            {"name": "small", "n_trees": 2, "index_name": "tree{job}", "out_file": "small-{index}.json",
             "n_pixels": 2000, "n_uvs": 400, "n_thresholds": 31, "max_depth": 12}
            """
        try slow.write(toFile: fx.dir + "/slow.json", atomically: true, encoding: .utf8)
        let coordinator = try CoordinatorProcess(
            fx,
            arguments: [
                "--jobs", fx.dir + "/slow.json", "--data", fx.dir + "/data",
                "--out", out, "--min-workers", "2", "--metrics-port", "0",
            ])
        defer { coordinator.stop() }
        let first = try startWorker(fx, coordinator.endpoint)
        defer { if first.isRunning { first.terminate() } }
        // One worker of the two the job waits for: queued, and fetch says it is not finished.
        var status = ""
        for _ in 0..<100 {
            status = try fx.canopy.run(["status", "--coordinator", coordinator.endpoint] + fx.clientKeys).stdout
            if status.contains("worker w1") { break }
            usleep(50_000)
        }
        #expect(status.contains("job small: queued") && status.contains("worker w1"), "\(status)")
        let early = try fx.canopy.run(
            ["fetch", "--coordinator", coordinator.endpoint, "--job", "small", "--out", fx.dir + "/got"] + fx.clientKeys)
        #expect(early.status != 0 && early.stderr.contains("job small is not finished"), "\(early.stderr)")
        #expect(!FileManager.default.fileExists(atPath: fx.dir + "/got"))
        let unknown = try fx.canopy.run(
            ["fetch", "--coordinator", coordinator.endpoint, "--job", "nope", "--out", fx.dir + "/got"] + fx.clientKeys)
        #expect(unknown.status != 0 && unknown.stderr.contains("no job named nope"))
        // The second worker starts the job; status follows it to the end.
        let second = try startWorker(fx, coordinator.endpoint)
        defer { if second.isRunning { second.terminate() } }
        var states = Set<String>()
        var sawLevel = false
        for _ in 0..<1200 {
            let json = try JSON.parse(
                try fx.canopy.run(["status", "--coordinator", coordinator.endpoint, "--json"] + fx.clientKeys).stdout)
            let job = json["jobs"]?.arrayValue?.first
            if let s = job?["state"]?.stringValue { states.insert(s) }
            if (job?["level"]?.intValue ?? 0) > 0 && job?["state"]?.stringValue == "training" { sawLevel = true }
            if job?["state"]?.stringValue == "finished" { break }
            usleep(20_000)
        }
        #expect(states.contains("finished"), "\(states)")
        #expect(sawLevel, "status never showed the job training past level 0: \(states)")
        // The Prometheus page tells the same story.
        let port = try #require(
            coordinator.log.split(separator: "\n").first { $0.contains("metrics on http://") }
                .flatMap { $0.split(separator: ":").last?.split(separator: "/").first }.flatMap { UInt16($0) },
            "\(coordinator.log)")
        let page = try #require(Loopback.httpGet(port: port, path: "/metrics"))
        #expect(page.hasPrefix("HTTP/1.0 200 OK") && page.contains("text/plain; version=0.0.4"), "\(page)")
        #expect(page.contains("canopy_job_state{job=\"small\",state=\"finished\"} 1") && page.contains("canopy_workers 2"), "\(page)")
        let received = page.split(separator: "\n").first { $0.hasPrefix("canopy_job_bytes_received_total{job=\"small\"}") }
        #expect((received?.split(separator: " ").last).flatMap { Int($0) } ?? 0 > 0, "\(page)")
        #expect(Loopback.httpGet(port: port, path: "/")?.hasPrefix("HTTP/1.0 404") == true)
        let fetched = try fx.canopy.run(
            ["fetch", "--coordinator", coordinator.endpoint, "--job", "small", "--out", fx.dir + "/got"] + fx.clientKeys)
        #expect(fetched.status == 0, "\(fetched.stderr)")
        // The forest and the run's report.json, which lists the forest's files.
        let names = try FileManager.default.contentsOfDirectory(atPath: fx.dir + "/got").sorted().filter { $0 != "report.json" }
        #expect(names == ["small-tree0.json", "small-tree0.rdt", "small-tree1.json", "small-tree1.rdt"])
        let report = try JSON.parse([UInt8](try Data(contentsOf: URL(fileURLWithPath: fx.dir + "/got/report.json"))))
        #expect(report["files"]?.arrayValue?.compactMap(\.stringValue) == names)
        for name in names {
            #expect(
                try Data(contentsOf: URL(fileURLWithPath: fx.dir + "/got/" + name))
                    == Data(contentsOf: URL(fileURLWithPath: out + "/small/" + name)))
        }
    }

    /// A forest bigger than a frame may be (a depth-24 tree is over 500 MB) comes in chunks.
    @Test func aForestOverTheFrameLimitIsFetchedInChunks() throws {
        let fx = try TrainingFixture(frames: 3)
        defer { fx.remove() }
        // A folder the coordinator takes for the job finished: report.json lists the files, all there.
        let dir = fx.dir + "/forests/small"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let names = ["small-tree0.json", "small-tree0.rdt", "small-tree1.json", "small-tree1.rdt"]
        let report = JSON.object([("job", .string("small")), ("files", .array(names.map { .string($0) }))])
        try report.serialized().write(toFile: dir + "/report.json", atomically: true, encoding: .utf8)
        for name in names { FileManager.default.createFile(atPath: dir + "/" + name, contents: Data(name.utf8)) }
        let big = WireCodec.maxFrameBytes + (3 << 20)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: dir + "/small-tree1.rdt"))
        try handle.truncate(atOffset: UInt64(big))
        // Marks either side of every 64 MiB chunk boundary, so an out-of-order chunk shows.
        for k in 0...(big >> 26) {
            for offset in [(k << 26) - 1, k << 26] where offset >= 0 && offset < big {
                try handle.seek(toOffset: UInt64(offset))
                handle.write(Data([UInt8(truncatingIfNeeded: k &* 37 &+ offset)]))
            }
        }
        try handle.close()
        let coordinator = try CoordinatorProcess(
            fx,
            arguments: [
                "--jobs", fx.dir + "/job.json", "--data", fx.dir + "/data",
                "--out", fx.dir + "/forests", "--exit-when-done", "--linger", "120",
            ])
        defer { coordinator.stop() }
        let fetched = try fx.canopy.run(
            [
                "fetch", "--coordinator", coordinator.endpoint, "--job", "small", "--out", fx.dir + "/got",
                "--timeout", "120",
            ] + fx.clientKeys)
        #expect(fetched.status == 0, "\(fetched.stderr) \(coordinator.log)")
        for name in names + ["report.json"] {
            #expect(
                try Data(contentsOf: URL(fileURLWithPath: fx.dir + "/got/" + name))
                    == Data(contentsOf: URL(fileURLWithPath: dir + "/" + name)), "\(name) differs")
        }
    }
}
