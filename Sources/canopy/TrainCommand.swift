import ArgumentParser
import CSupport
import Coordinator
import Dataset
import Foundation
import ImagePipeline
import Logging
import RDTCore
import Training
import WireProtocol
import Worker

struct Train: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Train a forest: a coordinator and N worker processes on loopback (--workers 0: one process).")

    @Option(help: "Dataset folder (manifest.json, shards/, index/).") var data: String
    @Option(help: "Job file (glimpse-style; n_trees, index_name with {job}, out_file, parameters).") var job: String
    @Option(help: "Worker processes (0 trains in this process).") var workers = 2
    @Option(help: "Threads per worker (default: cores / workers).") var threads: Int?
    @Option(help: "Where the forest goes (a folder per job).") var out = "forests"
    @OptionGroup var logging: LoggingOptions
    @Option(help: "With workers: where histograms are summed and splits chosen, workers (among themselves) or coordinator.")
    var reduction: Reduction = .workers
    @Option(
        help:
            "With --reduction workers: nodes with at most this many pixels are handed to one worker, which grows their whole subtree (0: never; default: 64 MiB of bins / candidates)."
    )
    var handoffPixels: Int?
    @Flag(help: "Progress lines with an ETA on stderr even when it is not a terminal.") var progress = false

    func validate() throws {
        guard workers >= 0 else { throw ValidationError("--workers must be >= 0 (0 trains in this process), got \(workers)") }
        if let threads, threads < 1 { throw ValidationError("--threads must be >= 1, got \(threads)") }
        if let handoffPixels, handoffPixels < 0 { throw ValidationError("--handoff-pixels must be >= 0 (0: never), got \(handoffPixels)") }
        if handoffPixels != nil && (reduction != .workers || workers == 0) {
            throw ValidationError("--handoff-pixels needs workers and --reduction workers: handed-off bins go from worker to worker")
        }
    }

    func run() throws {
        // The coordinator's and the workers' lines at notice and above by default: resumes,
        // losses, failures; `--log-level info` shows every join and assignment.
        try logging.bootstrap(defaultLevel: .notice)
        // An output folder that cannot be written fails now, not after the training.
        try AtomicFile.makeDirectory(out)
        let jobs = try TrainingJob.load(job)
        let cores = ProcessInfo.processInfo.activeProcessorCount
        if workers == 0 {
            for j in jobs {
                let setup = try JobSetup(job: j, datasetRoot: j.dataset ?? data)
                let run = TrainingRun(setup: setup, directory: ForestFiles.directory(root: out, job: j), mode: "single-process") {
                    print($0)
                    fflush(stdout)
                }
                if run.finishedFiles != nil {
                    print("\(j.name): already finished in \(run.directory) (remove that folder to train it again)")
                    continue
                }
                let meter = ProgressMeter("train \(j.name)", unit: "levels", force: progress, interval: 0)
                run.onLevel = {
                    print(levelLine(j.name, $0))
                    fflush(stdout)
                    meter.update($0.level + 1, of: j.parameters.maxDepth)
                }
                try run.start()
                try run.grow(source: LocalSource(setup: setup, threads: threads ?? cores))
            }
            return
        }
        var options = TrainingCoordinator.Options(bind: "tcp://127.0.0.1:*", outputRoot: out)
        options.minWorkers = workers
        options.reduceOnWorkers = reduction == .workers
        options.handoffPixels = handoffPixels
        // Its own worker processes: if none is connected for this long (all lost, none able to
        // join), the run stops with one line rather than waiting.
        options.noWorkerTimeoutMs = 30_000
        // Loopback, yet other users of this machine can reach the port: CURVE with keys made for
        // this run only, the workers' in a private folder removed at the end.
        let keys = try EphemeralKeys()
        defer { keys.remove() }
        options.security = keys.server
        let coordinator = try TrainingCoordinator(
            options: options, jobs: jobs.map { ($0, $0.dataset ?? data) }, logger: Logger(label: "coordinator"))
        var meters: [String: ProgressMeter] = [:]
        coordinator.onLevel = { [progress] record, level in
            print(levelLine(record.job.name, level))
            fflush(stdout)
            let meter = meters[record.job.name] ?? ProgressMeter("train \(record.job.name)", unit: "levels", force: progress, interval: 0)
            meters[record.job.name] = meter
            meter.update(level.level + 1, of: record.job.parameters.maxDepth)
        }
        let perWorker = threads ?? max(1, cores / workers)
        let children = try WorkerProcesses(
            count: workers,
            arguments: ["--coordinator", coordinator.endpoint, "--threads", String(perWorker), "--die-with-parent"] + keys.workerArguments
                + ["--log-level", logging.level(default: .notice).rawValue],
            output: .forward)
        defer { children.stop() }
        // Ctrl-C or a scheduler's SIGTERM: the workers stop at once and the key folder goes; the
        // checkpoint of the last finished level stays, so the same command resumes.
        let stopper = SignalStop { signal in
            children.stop()
            keys.remove()
            let folders = jobs.map { "\(out)/\($0.name)" }.joined(separator: ", ")
            FileHandle.standardError.write(
                Data(
                    "canopy train: stopped by signal \(signal); the workers are stopped and the last checkpoint in \(folders) is kept: run the same command to resume\n"
                        .utf8))
        }
        defer { stopper.cancel() }
        coordinator.abortReason = { children.allExitedReason }
        print("training with \(workers) worker processes (\(perWorker) thread(s) each) on \(coordinator.endpoint)")
        try coordinator.run()
        for c in children.processes { c.waitUntilExit() }
        for record in coordinator.jobs {
            if record.state == .finished {
                print("\(record.job.name): \(record.job.trees) trees written to \(out)/\(record.job.name)")
            } else {
                throw CommandFailure("job \(record.job.name) \(record.state.rawValue): \(record.error ?? "")")
            }
        }
    }
}
