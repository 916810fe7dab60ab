import ArgumentParser
import Coordinator
import Dataset
import Foundation
import ImagePipeline
import RDTCore
import Training

struct BenchTrain: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "The same data and job in one process and as coordinator + workers: throughput, bytes, memory.")

    @Option(help: "Synthetic 320x240 frames.") var frames = 60
    @Option(help: "Trees.") var trees = 3
    @Option(help: "Pixels per frame per tree.") var pixels = 2000
    @Option(help: "Candidates per tree.") var candidates = 1000
    @Option(help: "Thresholds.") var thresholds = 49
    @Option(help: "Max depth.") var depth = 8
    @Option(help: "Worker processes.") var workers = 2
    @Option(help: "Node batches the workers count ahead of the one the coordinator decides.") var prefetch = 2
    @Option(help: "Where histograms are summed and splits chosen: workers (among themselves) or coordinator.")
    var reduction: Reduction = .workers
    @Option(help: "glimpse label map.") var labelMap = "reference/glimpse/label-maps/2018-11-render-to-2018-08-rdt-map.json"

    func run() throws {
        let dir = NSTemporaryDirectory() + "canopy-bench-train-\(getpid())"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let training = try BenchCluster.job(
            in: dir, frames: frames, trees: trees, pixels: pixels, candidates: candidates, thresholds: thresholds, depth: depth,
            labelMap: labelMap, name: "bench")
        let params = training.parameters
        let cores = ProcessInfo.processInfo.activeProcessorCount
        print(
            "train: \(frames) frames 320x240, \(trees) trees, \(pixels) px/frame, \(candidates) candidates x "
                + "\(params.oddThresholds) thresholds, depth \(depth), \(cores) cores")

        // One process, all cores.
        let t0 = Date()
        let setup = try JobSetup(job: training, datasetRoot: dir + "/data")
        let single = TrainingRun(setup: setup, directory: dir + "/single", mode: "single-process")
        single.writesCheckpoints = false  // as the coordinator's levels are timed without its checkpoints' share
        try single.grow(source: LocalSource(setup: setup, threads: cores), date: "bench")
        let singleSeconds = Date().timeIntervalSince(t0)
        let singleLevels = single.report.levels
        let singleRSS = peakResidentBytes()

        // Coordinator here + worker processes, the cores shared among the workers.
        let (coordinator, outputs, t1) = try BenchCluster.run(
            training, data: dir + "/data", out: dir + "/distributed", workers: workers, prefetch: prefetch, reduction: reduction)
        let workerRSS = outputs.flatMap { text in
            text.split(separator: "\n").compactMap { line -> String? in
                // "... info worker: peak RSS 136 MiB [pid=...]" -> "136 MiB"
                guard let at = line.range(of: "peak RSS "), let end = line.range(of: " MiB", range: at.upperBound..<line.endIndex)
                else { return nil }
                return String(line[at.upperBound..<end.upperBound])
            }
        }
        guard let record = coordinator.jobs.first, let report = record.report else {
            throw CommandFailure("distributed run failed: \(coordinator.jobs.first?.error ?? "?")")
        }
        // Throughput compares the jobs: from the shard assignment (workers registered) to the forest,
        // loading included, as the single process's time includes its loading. Starting worker
        // processes is deployment, not training; it is printed apart.
        let jobSeconds = record.finished!.timeIntervalSince(record.started!)
        // From spawning the workers to the written forest (not the coordinator's goodbyes after it).
        let withStartup = record.finished!.timeIntervalSince(t1)
        // The forest's files (report.json, with its timings, differs by nature).
        let identical =
            !single.report.files.isEmpty && single.report.files == report.files
            && single.report.files.allSatisfy { name in
                FileManager.default.contents(atPath: dir + "/single/" + name)
                    == FileManager.default.contents(atPath: dir + "/distributed/bench/" + name)
            }
        let samples = singleLevels.first?.pixels ?? 0
        print(String(format: "single process:   %.2f s  (%d samples, peak RSS %d MiB)", singleSeconds, samples, singleRSS / 1_048_576))
        print(
            String(
                format: "coordinator + %d: %.2f s  (%.2f s with starting the worker processes; coordinator peak RSS %d MiB; workers %@)",
                workers, jobSeconds, withStartup, peakResidentBytes() / 1_048_576, workerRSS.joined(separator: ", ")))
        print(
            String(
                format: "throughput ratio: %.1f%% of single-process (%.1f%% counting worker start-up)",
                100 * singleSeconds / jobSeconds, 100 * singleSeconds / withStartup))
        print(
            "bytes per level (received + sent by the coordinator): "
                + (report.cluster?.bytesByLevel ?? [:]).sorted { $0.key < $1.key }.map { "L\($0.key): \($0.value / 1024) KiB" }.joined(
                    separator: ", "))
        print(
            "seconds per level, single: " + singleLevels.map { String(format: "%.2f", $0.seconds) }.joined(separator: " ")
                + "; distributed: " + report.levels.map { String(format: "%.2f", $0.seconds) }.joined(separator: " ")
                + String(
                    format:
                        "; loading: single %.2f s, distributed %.2f s; coordinator waited %.2f s for workers (%.2f s of it for routing)",
                    singleSeconds - singleLevels.reduce(0) { $0 + $1.seconds }, jobSeconds - report.levels.reduce(0) { $0 + $1.seconds },
                    report.cluster?.secondsWaiting ?? 0, record.applySeconds))
        print("identical forest: \(identical ? "yes" : "NO")")
        if !identical { throw CommandFailure("the distributed forest differs from the single-process forest") }
    }
}
