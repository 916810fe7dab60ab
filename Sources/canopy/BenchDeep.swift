import ArgumentParser
import Coordinator
import Dataset
import Foundation
import ImagePipeline
import RDTCore
import Training

/// Deep trees in one process, run as child processes side by side (so each peak RSS is its own):
/// every node from dense histograms, against small nodes grown from precomputed bins.
struct BenchDeep: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "deep",
        abstract: "Deep trees in one process: ns per (pixel, candidate) per level, split choice vs counting, "
            + "histograms counted vs derived, peak RSS; dense only vs small subtrees, by thread count.")

    @Option(help: "An existing dataset (default: synthetic 320x240 frames in a temporary folder).") var data: String?
    @Option(help: "The index to train on.") var index = "tree0"
    @Option(help: "Synthetic frames (without --data).") var frames = 500
    @Option(help: "Pixels per frame.") var pixels = 2000
    @Option(help: "Candidates.") var candidates = 2000
    @Option(help: "Thresholds.") var thresholds = 49
    @Option(help: "Max depth.") var depth = 20
    @Option(help: "Thread counts to run, comma-separated.") var threads = "1,2"
    @Option(help: "Modes to run, comma-separated: dense (every node from dense histograms), small.") var modes = "dense,small"
    @Option(help: "MiB of precomputed bins per thread in small mode.") var smallNodeMiB = LocalTrainingData.defaultSmallNodeMemory >> 20
    @Option(help: "glimpse label map (synthetic data).") var labelMap =
        "reference/glimpse/label-maps/2018-11-render-to-2018-08-rdt-map.json"
    @Option(help: .hidden) var child: String?

    func validate() throws {
        guard frames >= 1, pixels >= 1, candidates >= 1, depth >= 1, smallNodeMiB >= 0 else {
            throw ValidationError("frames, pixels, candidates and depth must be >= 1, --small-node-mi-b >= 0")
        }
        guard !runs.isEmpty else { throw ValidationError("--threads and --modes must name at least one run") }
    }

    var threadCounts: [Int] { threads.split(separator: ",").compactMap { Int($0) }.filter { $0 >= 1 } }
    var modeNames: [String] { modes.split(separator: ",").map(String.init).filter { ["dense", "small"].contains($0) } }
    var runs: [(mode: String, threads: Int)] { modeNames.flatMap { m in threadCounts.map { (m, $0) } } }

    var job: TrainingJob {
        var p = TrainingParameters()
        p.nPixels = pixels
        p.nUVs = candidates
        p.nThresholds = thresholds
        p.maxDepth = depth
        return TrainingJob(name: "deep", parameters: p, trees: 1, indexName: index, outFile: "deep.json")
    }

    func run() throws {
        if let child { return try runChild(child) }
        let dir = NSTemporaryDirectory() + "canopy-bench-deep-\(getpid())"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let root: String
        if let data {
            root = data
        } else {
            try SyntheticDataset.make(in: dir, frames: frames, trees: 1, labelMap: labelMap)
            root = dir + "/data"
        }
        print(
            "deep: index \(index) of \(root), \(pixels) px/frame, \(candidates) candidates x "
                + "\(job.parameters.oddThresholds) thresholds, depth \(depth), small-node bins \(smallNodeMiB) MiB/thread")
        var results: [(mode: String, threads: Int, report: JSON)] = []
        for (mode, n) in runs {
            let out = "\(dir)/\(mode)-\(n)"
            let p = Process(), pipe = Pipe()
            p.executableURL = URL(fileURLWithPath: selfExecutable())
            p.arguments = [
                "bench", "deep", "--child", "\(mode),\(n),\(out),\(root)", "--index", index, "--pixels",
                String(pixels), "--candidates", String(candidates), "--thresholds", String(thresholds),
                "--depth", String(depth), "--small-node-mi-b", String(smallNodeMiB),
            ]
            p.standardOutput = pipe
            try p.run()
            let text = pipe.fileHandleForReading.readDataToEndOfFile()
            p.waitUntilExit()
            guard p.terminationStatus == 0, let report = try? JSON.parse([UInt8](text)) else {
                throw CommandFailure("bench deep: the \(mode) run with \(n) thread(s) failed (status \(p.terminationStatus))")
            }
            results.append((mode, n, report))
            printRun(mode: mode, threads: n, report: report)
        }
        print("summary:")
        for r in results {
            print(
                String(
                    format: "  %-5@ %d thread(s): %7.2f s, peak RSS %5d MiB", r.mode, r.threads,
                    r.report["seconds"]?.doubleValue ?? 0, (r.report["rss"]?.intValue ?? 0) >> 20))
        }
        func find(_ m: String, _ t: Int) -> JSON? { results.first { $0.mode == m && $0.threads == t }?.report }
        for t in threadCounts {
            if let d = find("dense", t), let s = find("small", t) {
                print(
                    String(
                        format: "  %d thread(s): small is %.2fx faster than dense, peak RSS %.2fx", t,
                        (d["seconds"]?.doubleValue ?? 0) / (s["seconds"]?.doubleValue ?? 1),
                        Double(s["rss"]?.intValue ?? 0) / Double(max(1, d["rss"]?.intValue ?? 1))))
            }
        }
        for m in modeNames {
            if let one = find(m, 1), let two = find(m, 2) {
                print(
                    String(
                        format: "  %@: %.2fx from 1 to 2 threads", m,
                        (one["seconds"]?.doubleValue ?? 0) / (two["seconds"]?.doubleValue ?? 1)))
            }
        }
        let forests = try results.map { try Data(contentsOf: URL(fileURLWithPath: "\(dir)/\($0.mode)-\($0.threads)/deep.rdt")) }
        let identical = forests.allSatisfy { $0 == forests[0] }
        print("identical forests: \(identical ? "yes" : "NO")")
        if !identical { throw CommandFailure("bench deep: the runs grew different forests") }
    }

    func printRun(mode: String, threads: Int, report: JSON) {
        print(
            "\(mode), \(threads) thread(s): "
                + String(
                    format: "%.2f s (loading %.2f s), peak RSS %d MiB", report["seconds"]?.doubleValue ?? 0,
                    report["loading"]?.doubleValue ?? 0, (report["rss"]?.intValue ?? 0) >> 20))
        print("  level    pixels  ns/(px,cand)  counting  choice  small   counted+derived  small nodes  wall s")
        for l in report["levels"]?.arrayValue ?? [] {
            let px = l["pixels"]?.intValue ?? 0
            let count = l["counting"]?.doubleValue ?? 0, choice = l["choice"]?.doubleValue ?? 0
            let small = l["small"]?.doubleValue ?? 0
            let total = count + choice + small
            let ns = px > 0 ? total * 1e9 / Double(px * candidates) : 0
            func share(_ x: Double) -> String { total > 0 ? String(format: "%5.1f%%", 100 * x / total) : "    -" }
            print(
                String(
                    format: "  %5d %9d %13.2f    %@  %@  %@  %8d + %-6d  %11d  %6.2f", l["level"]?.intValue ?? 0, px,
                    ns, share(count), share(choice), share(small), l["computed"]?.intValue ?? 0,
                    l["derived"]?.intValue ?? 0, l["small_nodes"]?.intValue ?? 0, l["seconds"]?.doubleValue ?? 0))
        }
    }

    /// One run in this process: prints a JSON report and writes the forest to the run's folder.
    func runChild(_ spec: String) throws {
        let parts = spec.split(separator: ",", maxSplits: 3).map(String.init)
        guard parts.count == 4, let n = Int(parts[1]) else { throw CommandFailure("bench deep: bad --child") }
        let setup = try JobSetup(job: job, datasetRoot: parts[3])
        let run = TrainingRun(setup: setup, directory: parts[2], mode: "single-process")
        run.writesCheckpoints = false  // the levels are timed as the kernel's work alone
        run.grower.costs = [:]
        let start = Date()
        let source = try LocalSource(setup: setup, threads: n, smallNodeMemory: parts[0] == "small" ? smallNodeMiB << 20 : 0)
        try run.grow(source: source, date: "bench")
        let costs = run.grower.costs ?? [:]
        let levels = run.report.levels
        let seconds = Date().timeIntervalSince(start)
        let levelJSON = levels.map { r -> JSON in
            let c = costs[r.level] ?? LevelCost()
            return .object([
                ("level", .int(r.level)), ("pixels", .int(r.pixels)), ("computed", .int(r.histogramsComputed)),
                ("derived", .int(r.histogramsDerived)), ("small_nodes", .int(c.smallNodes)),
                ("counting", .double(c.countingCPU)), ("choice", .double(c.choiceCPU)),
                ("small", .double(c.smallBinsCPU + c.smallNodesCPU)), ("seconds", .double(r.seconds)),
            ])
        }
        let report = JSON.object([
            ("seconds", .double(seconds)), ("loading", .double(seconds - levels.reduce(0) { $0 + $1.seconds })),
            ("rss", .int(peakResidentBytes())), ("levels", .array(levelJSON)),
        ])
        print(report.serialized())
    }
}
