import Foundation
import RDTCore
import Testing

/// The coordinator and its workers as separate hosts (network namespaces, 1 ms links): the
/// reduction among workers across real network hops.
@Suite(
    .serialized, .timeLimit(.minutes(10)),
    .enabled(if: VirtualHosts.available, "network namespaces cannot be made here (needs root and ip netns): multi-host suite skipped"))
struct MultiHostTests {
    /// A job heavy enough for several levels and batches, light enough for 8 workers on 2 cores.
    static let job = """
        {"name": "small", "n_trees": 2, "index_name": "tree{job}", "out_file": "small-{index}.json",
         "n_pixels": 300, "n_uvs": 80, "n_thresholds": 15, "max_depth": 8}
        """

    /// One run: the coordinator on host 0, `workers` workers on hosts 1...; returns the forest's
    /// files and report.json. `die`: worker 2 kills itself at that point (`--die`).
    static func train(
        _ fx: TrainingFixture, _ hosts: VirtualHosts, workers: Int, out: String, die: String? = nil, extra: [String] = []
    ) throws -> (files: [String: Data], report: JSON, log: String) {
        let endpointFile = out + ".endpoint"
        let coordinator = try hosts.start(
            0, fx.canopy.path,
            [
                "coordinator", "--bind", "tcp://\(hosts.address(0)):*", "--endpoint-file", endpointFile, "--jobs", fx.dir + "/hosts.json",
                "--data", fx.dir + "/data", "--out", out, "--min-workers", String(workers), "--exit-when-done",
            ] + fx.serverKeys + extra, log: out + ".log")
        defer { if coordinator.isRunning { coordinator.terminate() } }
        let deadline = Date().addingTimeInterval(20)
        while !FileManager.default.fileExists(atPath: endpointFile) && Date() < deadline { usleep(20_000) }
        let endpoint = try String(contentsOfFile: endpointFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        let started = try (1...workers).map { k in
            try hosts.start(
                k, fx.canopy.path,
                ["worker", "--coordinator", endpoint, "--threads", "1", "--advertise-host", hosts.address(k)] + fx.clientKeys
                    + (k == 2 ? die.map { ["--die", $0] } ?? [] : []),
                log: out + ".worker\(k).log")
        }
        defer { for w in started where w.isRunning { w.terminate() } }
        coordinator.waitUntilExit()
        if die != nil {
            started[1].waitUntilExit()
            #expect(started[1].terminationReason == .uncaughtSignal && started[1].terminationStatus == SIGKILL)
        }
        let log = (try? String(contentsOfFile: out + ".log", encoding: .utf8)) ?? ""
        #expect(coordinator.terminationStatus == 0, "\(log)")
        let report = try JSON.parse(try Data(contentsOf: URL(fileURLWithPath: out + "/small/report.json")).map { $0 })
        return (try fx.files(out + "/small"), report, log)
    }

    /// Bytes the coordinator received per level.
    static func inbound(_ report: JSON) -> [Int] {
        guard let levels = report["levels"]?.arrayValue else { return [] }
        return levels.indices.map { report["bytes_received_by_level"]?[String($0)]?.intValue ?? -1 }
    }

    @Test func identicalForestsAndFlatCoordinatorInboundFor1To8WorkersAndAnOwnersLoss() throws {
        let fx = try TrainingFixture()
        defer { fx.remove() }
        try Self.job.write(toFile: fx.dir + "/hosts.json", atomically: true, encoding: .utf8)
        let hosts = try VirtualHosts(count: 9)
        defer { hosts.remove() }
        if !hosts.delayed { print("MultiHostTests: this kernel has no netem: links without the 1 ms delay") }
        var runs: [Int: (files: [String: Data], report: JSON, log: String)] = [:]
        for n in [1, 2, 4, 8] { runs[n] = try Self.train(fx, hosts, workers: n, out: fx.dir + "/out\(n)") }
        let one = try #require(runs[1])
        #expect(one.files.keys.sorted() == ["small-tree0.json", "small-tree0.rdt", "small-tree1.json", "small-tree1.rdt"])
        for n in [2, 4, 8] {
            let run = try #require(runs[n])
            #expect(run.files == one.files, "\(n) workers grew another forest")
            #expect(run.report["workers"]?.intValue == n, "\(n) workers: \(run.report["workers"]?.serialized() ?? "")")
            // The coordinator's inbound bytes per level do not grow with the workers: only the
            // finishers' evaluations (the same items) and a few control messages per worker.
            for (level, (bytes, base)) in zip(Self.inbound(run.report), Self.inbound(one.report)).enumerated() {
                #expect(bytes <= base + base / 4 + n * 2048, "level \(level): \(bytes) bytes in with \(n) workers, \(base) with 1")
            }
        }
        // With every histogram sent to the coordinator instead, it receives far more (and more with
        // every worker): the same forest.
        let central = try Self.train(fx, hosts, workers: 4, out: fx.dir + "/central", extra: ["--reduction", "coordinator"])
        let four = try #require(runs[4])
        #expect(central.files == one.files)
        let reduced = Self.inbound(four.report).reduce(0, +), gathered = Self.inbound(central.report).reduce(0, +)
        #expect(gathered > 10 * reduced, "coordinator in: \(gathered) bytes gathering, \(reduced) with the reduction among workers")
        // A worker that owns candidates (and finishes items) dies instead of sending its 3rd
        // evaluations, mid-level: its frames and its share go to the others. (Level by level, so
        // the loss lands in a level's reduction rather than in a handoff.)
        let lost = try Self.train(fx, hosts, workers: 4, out: fx.dir + "/lost", die: "histograms:3", extra: ["--handoff-pixels", "0"])
        #expect(lost.files == one.files, "the forest after losing an owner differs")
        #expect(lost.report["workers_lost"]?.intValue == 1, "\(lost.log)")
        #expect((lost.report["level_restarts"]?.intValue ?? 0) >= 1, "\(lost.log)")
    }
}
