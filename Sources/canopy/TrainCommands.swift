import ArgumentParser
import CSupport
import Coordinator
import Foundation
import Dataset
import ImagePipeline
import RDTCore
import Training
import WireProtocol
import Worker

/// One progress line per level.
func levelLine(_ job: String, _ r: LevelRecord) -> String {
    String(format: "%@ level %2d: %5d open, %5d splits, %5d leaves, %9d pixels, histograms %d counted + %d derived, gain max %.3f, %.2f s",
           job, r.level, r.openNodes, r.splits, r.leaves, r.pixels, r.histogramsComputed, r.histogramsDerived, r.maxGain,
           r.seconds)
}

/// This process's peak resident set size in bytes: VmHWM of /proc/self/status (ru_maxrss is no
/// good here: Linux carries it across exec, so a spawned worker would report its parent's peak).
func peakResidentBytes() -> Int {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
          let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
          let kib = Int(line.split(separator: " ").dropFirst().first ?? "") else { return 0 }
    return kib * 1024
}

/// The path of the running canopy binary (for spawning workers).
func selfExecutable() -> String {
    (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
}

struct WorkerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "worker", abstract: "Run a training worker that connects to a coordinator.")

    @Option(help: "The coordinator's endpoint, e.g. tcp://HOST:PORT.") var coordinator: String?
    @Option(help: "A file holding the endpoint (the coordinator's --endpoint-file on shared storage); waited for.")
    var coordinatorFile: String?
    @Option(help: "Threads for the histogram kernel (default: the cluster config's threads_per_worker, else all cores).")
    var threads: Int?
    @OptionGroup var security: SecurityOptions
    @Option(help: "Seconds without a word from the coordinator before giving up (a restarted coordinator has this long to come back).")
    var coordinatorTimeout = 15
    @Option(help: ArgumentHelp("Fault injection for tests: histograms:N dies instead of sending its Nth histogram reply, applied:N right after its Nth Applied.",
                               visibility: .hidden))
    var die: String?
    @Flag(help: ArgumentHelp("Exit when the parent process dies (set by canopy train for its workers).", visibility: .hidden))
    var dieWithParent = false

    func validate() throws {
        if let threads, threads < 1 { throw ValidationError("--threads must be >= 1, got \(threads)") }
        guard coordinatorTimeout >= 1 else { throw ValidationError("--coordinator-timeout must be >= 1 s, got \(coordinatorTimeout)") }
    }

    /// The endpoint: given, or read from the file once the coordinator has written it.
    func endpoint() throws -> String {
        if let coordinator { return coordinator }
        guard let file = coordinatorFile else { throw CommandFailure("canopy worker: pass --coordinator tcp://HOST:PORT or --coordinator-file FILE") }
        let deadline = Date().addingTimeInterval(Double(max(1, coordinatorTimeout)) * 4)
        while Date() < deadline {
            if let text = try? String(contentsOfFile: file, encoding: .utf8),
               let line = text.split(separator: "\n").first, line.hasPrefix("tcp://") { return String(line) }
            usleep(100_000)
        }
        throw CommandFailure("\(file): no coordinator endpoint appeared within \(max(1, coordinatorTimeout) * 4) s; is the coordinator running with --endpoint-file \(file)?")
    }

    func run() throws {
        if dieWithParent {
            let parent = getppid()
            _ = canopy_die_with_parent()
            // The parent may have died before the request took effect (then the process was
            // re-parented). A worker orphaned before that also stops, after --coordinator-timeout.
            if getppid() != parent { throw CommandFailure("canopy worker: the parent process is gone; stopping") }
        }
        let config = try security.config()
        let mode = try security.client(config)
        let coordinator = try endpoint()
        let configured = config?.int("threads_per_worker")
        let threads = self.threads ?? configured ?? ProcessInfo.processInfo.activeProcessorCount
        let worker = TrainingWorker(endpoint: coordinator, threads: threads) {
            print("worker: \($0)")
            fflush(stdout)
        }
        worker.coordinatorTimeoutMs = max(1, coordinatorTimeout) * 1000
        worker.connectTimeoutMs = worker.coordinatorTimeoutMs
        if let die {
            guard let fault = TrainingWorker.Fault(die) else { throw CommandFailure("--die takes histograms:N or applied:N") }
            worker.fault = fault
        }
        let exit = try worker.run(configure: mode.apply)
        print("worker: \(exit)")
        print("worker: peak RSS \(peakResidentBytes() / 1_048_576) MiB")
        if !exit.isClean { throw ExitCode(1) }
    }
}

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
    @Option(help: ArgumentHelp("Seconds a worker with a request outstanding may go without answering one, plus the factor's share; then it is lost.",
                               discussion: "Separate from heartbeats: a worker whose computation hangs (a stuck NFS read) still heartbeats."))
    var requestTimeout = 30.0
    @Option(help: "Added to --request-timeout: this many times what counting all of a worker's samples once costs (5 ns per sample and candidate).")
    var requestTimeoutFactor = 10.0
    @OptionGroup var security: SecurityOptions

    func validate() throws {
        let heartbeat = Double(WorkerPool.Settings().heartbeatMs) / 1000
        guard workerTimeout.isFinite, workerTimeout >= 2 * heartbeat, workerTimeout <= 86_400 else {
            throw ValidationError("--worker-timeout must be at least 2 heartbeats (\(2 * heartbeat) s), got \(workerTimeout)")
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
        options.exitWhenDone = exitWhenDone
        options.lingerSeconds = linger
        options.pool.workerTimeoutMs = Int(workerTimeout * 1000)
        options.pool.requestTimeoutMs = Int(requestTimeout * 1000)
        options.pool.requestTimeoutFactor = requestTimeoutFactor
        options.shutdownWorkers = true
        let coordinator = try TrainingCoordinator(options: options, jobs: queue, log: { print("coordinator: \($0)"); fflush(stdout) })
        coordinator.onLevel = { record, level in print(levelLine(record.job.name, level)); fflush(stdout) }
        print("coordinator: listening on \(coordinator.endpoint)")
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

struct Train: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Train a forest: a coordinator and N worker processes on loopback (--workers 0: one process).")

    @Option(help: "Dataset folder (manifest.json, shards/, index/).") var data: String
    @Option(help: "Job file (glimpse-style; n_trees, index_name with {job}, out_file, parameters).") var job: String
    @Option(help: "Worker processes (0 trains in this process).") var workers = 2
    @Option(help: "Threads per worker (default: cores / workers).") var threads: Int?
    @Option(help: "Where the forest goes (a folder per job).") var out = "forests"

    func validate() throws {
        guard workers >= 0 else { throw ValidationError("--workers must be >= 0 (0 trains in this process), got \(workers)") }
        if let threads, threads < 1 { throw ValidationError("--threads must be >= 1, got \(threads)") }
    }

    func run() throws {
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
                run.onLevel = { print(levelLine(j.name, $0)); fflush(stdout) }
                try run.start()
                try run.grow(source: LocalSource(setup: setup, threads: threads ?? cores))
            }
            return
        }
        var options = TrainingCoordinator.Options(bind: "tcp://127.0.0.1:*", outputRoot: out)
        options.minWorkers = workers
        // Loopback, yet other users of this machine can reach the port: CURVE with keys made for
        // this run only, the workers' in a private folder removed at the end.
        let keys = try EphemeralKeys()
        defer { keys.remove() }
        options.security = keys.server
        let coordinator = try TrainingCoordinator(options: options, jobs: jobs.map { ($0, $0.dataset ?? data) }, log: { line in
            if line.contains("failed") || line.contains("error") || line.contains("lost") { print("coordinator: \(line)") }
        })
        coordinator.onLevel = { record, level in print(levelLine(record.job.name, level)); fflush(stdout) }
        let perWorker = threads ?? max(1, cores / workers)
        let children = try WorkerProcesses(
            count: workers,
            arguments: ["--coordinator", coordinator.endpoint, "--threads", String(perWorker), "--die-with-parent"] + keys.workerArguments)
        defer { children.stop() }
        // Ctrl-C or a scheduler's SIGTERM: the workers stop at once and the key folder goes; the
        // checkpoint of the last finished level stays, so the same command resumes.
        let stopper = SignalStop { signal in
            children.stop()
            keys.remove()
            let folders = jobs.map { "\(out)/\($0.name)" }.joined(separator: ", ")
            FileHandle.standardError.write(Data(
                "canopy train: stopped by signal \(signal); the workers are stopped and the last checkpoint in \(folders) is kept: run the same command to resume\n".utf8))
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

struct Status: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Show a coordinator's jobs and workers.")
    @Option(help: "The coordinator's endpoint.") var coordinator: String
    @Flag(help: "Print the raw JSON status.") var json = false
    @Option(help: "Seconds to wait for the answer.") var timeout = 10
    @OptionGroup var security: SecurityOptions

    func validate() throws {
        guard (1...86_400).contains(timeout) else { throw ValidationError("--timeout must be 1...86400 s, got \(timeout)") }
    }

    func run() throws {
        let text = try CoordinatorClient(endpoint: coordinator, timeoutMs: max(1, timeout) * 1000,
                                         configure: try security.client(try security.config()).apply).status()
        if json { print(text); return }
        let status = try JSON.parse(text)
        for j in status["jobs"]?.arrayValue ?? [] {
            var line = "job \(j["name"]?.stringValue ?? "?"): \(j["state"]?.stringValue ?? "?"), level \(j["level"]?.intValue ?? 0)"
                + " of \(j["max_depth"]?.intValue ?? 0), nodes \(j["nodes_done"]?.intValue ?? 0)/\(j["nodes_at_level"]?.intValue ?? 0) at this level"
            if let pps = j["pixels_per_second"]?.doubleValue { line += String(format: ", %.0f pixels/s", pps) }
            if let eta = j["eta_seconds"]?.doubleValue { line += String(format: ", ETA %.0f s", eta) }
            if let l = j["resumed_at_level"]?.intValue { line += ", resumed at level \(l)" }
            if let n = j["workers_lost"]?.intValue { line += ", \(n) worker(s) lost" }
            if let n = j["level_restarts"]?.intValue { line += ", \(n) level restart(s)" }
            if let e = j["error"]?.stringValue { line += ", error: \(e)" }
            print(line)
            for (t, n) in (j["decided_per_tree"]?.arrayValue ?? []).enumerated() {
                print("  tree \(t): \(n.intValue ?? 0) nodes decided")
            }
        }
        for w in status["workers"]?.arrayValue ?? [] {
            print("worker \(w["id"]?.stringValue ?? "?") on \(w["host"]?.stringValue ?? "?"): \(w["threads"]?.intValue ?? 0) threads, "
                  + "\(w["shards"]?.intValue ?? 0) shard(s)" + ((w["ready"]?.boolValue ?? false) ? ", ready" : ""))
        }
    }
}

struct Fetch: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Fetch a finished job's forest (JSON and .rdt) and its report.json from a coordinator.")
    @Option(help: "The coordinator's endpoint.") var coordinator: String
    @Option(help: "The job's name.") var job: String
    @Option(help: "Folder to write the files into.") var out: String
    @Option(help: "Seconds to wait for the answer.") var timeout = 60
    @OptionGroup var security: SecurityOptions

    func validate() throws {
        guard (1...86_400).contains(timeout) else { throw ValidationError("--timeout must be 1...86400 s, got \(timeout)") }
    }

    func run() throws {
        let reply = try CoordinatorClient(endpoint: coordinator, timeoutMs: max(1, timeout) * 1000,
                                          configure: try security.client(try security.config()).apply).fetch(job: job)
        guard reply.finished else { throw CommandFailure(reply.message) }
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        // All or nothing: a forest never arrives in part.
        try AtomicFile.writeAll(reply.files.map { (out + "/" + $0.0, $0.1) })
        for (name, bytes) in reply.files { print("\(out)/\(name) (\(bytes.count) bytes)") }
    }
}

/// Key pairs for one loopback run: the coordinator's in memory, the workers' in a private
/// temporary folder (0700) that `remove()` deletes.
struct EphemeralKeys {
    let directory: String
    let server: Security
    let workerArguments: [String]

    init() throws {
        var template = Array((NSTemporaryDirectory() + "canopy-keys-XXXXXX").utf8CString)
        guard let made = mkdtemp(&template) else { throw CommandFailure("cannot make a private key folder in \(NSTemporaryDirectory())") }
        directory = String(cString: made)
        let coordinator = try CurveKeyPair.generate(), worker = try CurveKeyPair.generate()
        let files = try worker.write(directory: directory, name: "worker")
        try Data(coordinator.publicFileText.utf8).write(to: URL(fileURLWithPath: directory + "/coordinator.pub"))
        server = .server(coordinator, allowed: [worker.publicKey: AllowedKey(name: "worker", role: .worker)])
        workerArguments = ["--key", files.secret, "--server-key", directory + "/coordinator.pub"]
    }

    func remove() { try? FileManager.default.removeItem(atPath: directory) }
}

/// A tcp://HOST:PORT endpoint with PORT 1...65535 or `*`: refused, never taken modulo 65536.
func checkEndpoint(_ endpoint: String, option: String) throws {
    guard endpoint.hasPrefix("tcp://"), let colon = endpoint.lastIndex(of: ":"), colon > endpoint.index(endpoint.startIndex, offsetBy: 5)
    else { throw ValidationError("\(option) \(endpoint): expected tcp://HOST:PORT") }
    let port = endpoint[endpoint.index(after: colon)...]
    guard port == "*" || (Int(port).map { (1...65535).contains($0) } ?? false) else {
        throw ValidationError("\(option) \(endpoint): the port must be 1...65535 or *")
    }
}
