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

struct CoordinatorCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "coordinator", abstract: "Run a training coordinator: a queue of jobs, served to workers over ZeroMQ.")

    @Option(help: "Endpoint to bind, e.g. tcp://*:5555 (default: the cluster config's coordinator_port).") var bind: String?
    @Option(help: "Job file: one glimpse-style job or an array of them.") var jobs: String
    @Option(help: "Dataset, for jobs that name no data_dir.") var data: String?
    @Option(help: "Where finished forests go (one folder per job).") var out = "forests"
    @Option(help: "Workers to wait for before a job starts.") var minWorkers = 1
    @Option(help: "Write the bound endpoint to this file (for workers to find).") var endpointFile: String?
    @Flag(help: "Exit when the queue is done (else keep serving status and fetch).") var exitWhenDone = false
    @Option(help: "With --exit-when-done: keep serving status and fetch this many seconds after the queue is done.")
    var linger = 0.0
    @Option(help: "Seconds of silence after which a worker is lost and its shards go to others (at least 2 heartbeats).")
    var workerTimeout = 3.0
    @Option(
        help: ArgumentHelp(
            "Seconds a worker with a request outstanding may go without answering one, plus the factor's share; then it is lost.",
            discussion: "Separate from heartbeats: a worker whose computation hangs (a stuck NFS read) still heartbeats."))
    var requestTimeout = 30.0
    @Option(
        help:
            "Added to --request-timeout: this many times what counting all of a worker's samples once costs (5 ns per sample and candidate)."
    )
    var requestTimeoutFactor = 10.0
    @Option(help: "Fail a job after this many seconds without any worker (default: wait for one however long).")
    var noWorkerTimeout: Double?
    @OptionGroup var security: SecurityOptions
    @Option(help: "Where histograms are summed and splits chosen: workers (among themselves, the default) or coordinator.")
    var reduction: Reduction = .workers
    @Option(
        help:
            "With --reduction workers: nodes with at most this many pixels are handed to one worker, which grows their whole subtree (0: never; default: 64 MiB of bins / candidates)."
    )
    var handoffPixels: Int?
    @OptionGroup var logging: LoggingOptions
    @Option(help: "Serve Prometheus metrics at http://HOST:PORT/metrics (0: a free port, logged).") var metricsPort: Int?

    func validate() throws {
        if let handoffPixels, handoffPixels < 0 { throw ValidationError("--handoff-pixels must be >= 0 (0: never), got \(handoffPixels)") }
        if handoffPixels != nil && reduction != .workers {
            throw ValidationError("--handoff-pixels needs --reduction workers: handed-off bins go from worker to worker")
        }
        let heartbeat = Double(WorkerPool.Settings().heartbeatMs) / 1000
        guard workerTimeout.isFinite, workerTimeout >= 2 * heartbeat, workerTimeout <= 86_400 else {
            throw ValidationError("--worker-timeout must be at least 2 heartbeats (\(2 * heartbeat) s), got \(workerTimeout)")
        }
        if let metricsPort, !(0...65535).contains(metricsPort) {
            throw ValidationError("--metrics-port must be 0...65535 (0 picks a free port), got \(metricsPort)")
        }
        if let noWorkerTimeout, !(noWorkerTimeout.isFinite && noWorkerTimeout >= 1 && noWorkerTimeout <= 86_400 * 30) {
            throw ValidationError("--no-worker-timeout must be 1...2592000 s, got \(noWorkerTimeout)")
        }
        guard minWorkers >= 1 else { throw ValidationError("--min-workers must be >= 1, got \(minWorkers)") }
        guard linger.isFinite, linger >= 0 else { throw ValidationError("--linger must be >= 0 s, got \(linger)") }
        if let bind { try checkEndpoint(bind, option: "--bind") }
        guard requestTimeout.isFinite, requestTimeout >= 1, requestTimeout <= 86_400 else {
            throw ValidationError("--request-timeout must be 1...86400 s, got \(requestTimeout)")
        }
        guard requestTimeoutFactor.isFinite, requestTimeoutFactor >= 1, requestTimeoutFactor <= 1000 else {
            throw ValidationError("--request-timeout-factor must be 1...1000, got \(requestTimeoutFactor)")
        }
    }

    func run() throws {
        try logging.bootstrap(defaultLevel: .info)
        // An output folder that cannot be written fails now, not after the training.
        try AtomicFile.makeDirectory(out)
        var list = try TrainingJob.load(jobs)
        // The cluster's histogram budget (memory per batch) replaces the jobs'; it changes how
        // levels are batched, never the forest.
        let config = try security.config()
        if let mb = config?.int("histogram_memory_mb"), mb > 0 {
            for i in list.indices { list[i].parameters.histogramMemory = mb << 20 }
        }
        let queue = try list.map { job -> (TrainingJob, String) in
            guard let dataset = job.dataset ?? data else {
                throw CommandFailure("job \(job.name) names no data_dir; pass --data DATASET")
            }
            return (job, dataset)
        }
        let port = config?.int("coordinator_port")
        guard let bind = bind ?? port.map({ $0 == 0 ? "tcp://*:*" : "tcp://*:\($0)" }) else {
            throw CommandFailure("no endpoint to bind: pass --bind tcp://*:PORT, or --cluster NAME with a coordinator_port")
        }
        var options = TrainingCoordinator.Options(bind: bind, outputRoot: out)
        options.security = try security.server(config)
        options.minWorkers = minWorkers
        options.noWorkerTimeoutMs = noWorkerTimeout.map { Int($0 * 1000) }
        options.exitWhenDone = exitWhenDone
        options.lingerSeconds = linger
        options.pool.workerTimeoutMs = Int(workerTimeout * 1000)
        options.pool.requestTimeoutMs = Int(requestTimeout * 1000)
        options.pool.requestTimeoutFactor = requestTimeoutFactor
        options.shutdownWorkers = true
        options.metricsPort = metricsPort
        options.reduceOnWorkers = reduction == .workers
        options.handoffPixels = handoffPixels
        let logger = Logger(label: "coordinator")
        let coordinator = try TrainingCoordinator(options: options, jobs: queue, logger: logger)
        coordinator.onLevel = { record, level in
            print(levelLine(record.job.name, level))
            fflush(stdout)
        }
        logger.info("listening on \(coordinator.endpoint)")
        if let metrics = coordinator.metricsServer {
            logger.notice("metrics on http://\(ProcessInfo.processInfo.hostName):\(metrics.port)/metrics")
        }
        if let endpointFile {
            let host = ProcessInfo.processInfo.hostName
            let reachable = coordinator.endpoint.replacingOccurrences(of: "0.0.0.0", with: host)
            try AtomicFile.write(Array((reachable + "\n").utf8), to: endpointFile)
        }
        fflush(stdout)
        try coordinator.run()
        if coordinator.jobs.contains(where: { $0.state == .failed }) { throw ExitCode(1) }
    }
}
