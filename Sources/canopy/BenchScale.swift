import ArgumentParser
import Coordinator
import Dataset
import Foundation
import ImagePipeline
import RDTCore
import Training

struct BenchScale: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scale",
        abstract:
            "One job on coordinator + 1, 2, 4, 8 ... workers: bytes in and out per process and per level, time per level, idle time per worker, the same forest."
    )

    @Option(help: "Worker counts, comma-separated.") var workers = "1,2,4,8"
    @Option(help: "Synthetic 320x240 frames.") var frames = 48
    @Option(help: "Trees.") var trees = 2
    @Option(help: "Pixels per frame per tree.") var pixels = 1000
    @Option(help: "Candidates per tree.") var candidates = 400
    @Option(help: "Thresholds.") var thresholds = 31
    @Option(help: "Max depth.") var depth = 10
    @Option(help: "Where histograms are summed and splits chosen: workers (among themselves) or coordinator.")
    var reduction: Reduction = .workers
    @Option(help: "glimpse label map.") var labelMap = "reference/glimpse/label-maps/2018-11-render-to-2018-08-rdt-map.json"

    func counts() throws -> [Int] {
        let list = workers.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard !list.isEmpty, list.allSatisfy({ $0 != nil && $0! >= 1 && $0! <= 64 }) else {
            throw ValidationError("--workers takes counts 1...64 separated by commas, got '\(workers)'")
        }
        return list.map { $0! }
    }

    func validate() throws { _ = try counts() }

    /// One worker's traffic line, parsed.
    struct WorkerTraffic {
        var coordinatorIn = 0, coordinatorOut = 0, peersIn = 0, peersOut = 0
        var busy = 0.0, seconds = 0.0

        /// From "traffic: coordinator in N out N bytes, peers in N out N bytes, busy S of S s".
        init?(_ line: Substring) {
            guard let at = line.range(of: "traffic: ") else { return nil }
            let numbers = line[at.upperBound...].split(whereSeparator: { " ,".contains($0) }).compactMap { Double($0) }
            guard numbers.count >= 6 else { return nil }
            (coordinatorIn, coordinatorOut, peersIn, peersOut) = (Int(numbers[0]), Int(numbers[1]), Int(numbers[2]), Int(numbers[3]))
            (busy, seconds) = (numbers[4], numbers[5])
        }
    }

    /// A worker's bytes at one level: "traffic level L: coordinator in N out N bytes, peers in N out N bytes".
    static func levelTraffic(_ line: Substring) -> (level: Int, inBytes: Int, outBytes: Int)? {
        guard let at = line.range(of: "traffic level ") else { return nil }
        let numbers = line[at.upperBound...].split(whereSeparator: { " ,:".contains($0) }).compactMap { Int($0) }
        guard numbers.count >= 5 else { return nil }
        return (numbers[0], numbers[1] + numbers[3], numbers[2] + numbers[4])
    }

    func run() throws {
        let dir = NSTemporaryDirectory() + "canopy-bench-scale-\(getpid())"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let job = try BenchCluster.job(
            in: dir, frames: frames, trees: trees, pixels: pixels, candidates: candidates, thresholds: thresholds, depth: depth,
            labelMap: labelMap, name: "scale")
        let params = job.parameters
        let cores = ProcessInfo.processInfo.activeProcessorCount
        print(
            "scale: \(frames) frames 320x240, \(trees) trees, \(pixels) px/frame, \(candidates) candidates x \(params.oddThresholds) thresholds, depth \(depth), reduction on the \(reduction.rawValue), \(cores) cores"
        )
        var forests: [Int: [String: Data]] = [:]
        var summary: [String] = []
        for n in try counts() {
            let (coordinator, outputs, _) = try BenchCluster.run(
                job, data: dir + "/data", out: dir + "/w\(n)", workers: n, reduction: reduction)
            let traffic = outputs.flatMap { $0.split(separator: "\n").compactMap(WorkerTraffic.init) }
            // Each worker's bytes in and out by level (coordinator and peers together).
            let perLevel = outputs.map { text in
                Dictionary(
                    text.split(separator: "\n").compactMap(Self.levelTraffic).map { ($0.level, ($0.inBytes, $0.outBytes)) },
                    uniquingKeysWith: { a, _ in a })
            }
            guard let record = coordinator.jobs.first, let report = record.report, let cluster = report.cluster else {
                throw CommandFailure("the run with \(n) workers has no report")
            }
            let seconds = record.finished!.timeIntervalSince(record.started!)
            forests[n] = try FileManager.default.contentsOfDirectory(atPath: dir + "/w\(n)/scale").filter { $0 != "report.json" }
                .reduce(into: [:]) { $0[$1] = FileManager.default.contents(atPath: dir + "/w\(n)/scale/" + $1) }
            print(String(format: "\n%d worker(s): %.2f s, %d level restarts", n, seconds, report.levelRestarts))
            print(
                "  level  seconds   coordinator in KiB   coordinator out KiB"
                    + (1...n).map { "   worker \($0) in/out KiB" }.joined())
            for level in report.levels {
                let total = cluster.bytesByLevel[level.level] ?? 0, received = cluster.bytesReceivedByLevel[level.level] ?? 0
                print(
                    String(
                        format: "  %5d %8.2f %20.1f %21.1f", level.level, level.seconds, Double(received) / 1024,
                        Double(total - received) / 1024)
                        + perLevel.map { w in
                            let (i, o) = w[level.level] ?? (0, 0)
                            return String(format: " %12.1f /%9.1f", Double(i) / 1024, Double(o) / 1024)
                        }.joined())
            }
            for (k, t) in traffic.enumerated() {
                print(
                    String(
                        format:
                            "  worker %d: coordinator in %.1f MiB out %.1f MiB, peers in %.1f MiB out %.1f MiB, busy %.2f s, idle %.2f s",
                        k + 1, Double(t.coordinatorIn) / 1_048_576, Double(t.coordinatorOut) / 1_048_576, Double(t.peersIn) / 1_048_576,
                        Double(t.peersOut) / 1_048_576, t.busy, max(0, t.seconds - t.busy)))
            }
            let maxLevelIn = cluster.bytesReceivedByLevel.values.max() ?? 0
            let meanOut = traffic.isEmpty ? 0 : traffic.reduce(0) { $0 + $1.coordinatorOut + $1.peersOut } / traffic.count
            let meanIdle = traffic.isEmpty ? 0 : traffic.reduce(0) { $0 + max(0, $1.seconds - $1.busy) } / Double(traffic.count)
            summary.append(
                String(
                    format: "%7d %9.2f %20.1f %24.1f %22.1f %15.2f", n, seconds, Double(cluster.bytesReceived) / 1024,
                    Double(maxLevelIn) / 1024, Double(meanOut) / 1_048_576, meanIdle))
        }
        print("\nworkers   seconds   coordinator in KiB   max coordinator in/level   mean worker out MiB   mean idle s")
        for line in summary { print(line) }
        let first = forests.values.first
        let identical = forests.values.allSatisfy { $0 == first && !($0.isEmpty) }
        print("identical forests for every worker count: \(identical ? "yes" : "NO")")
        if !identical { throw CommandFailure("the forests differ between worker counts") }
    }
}
