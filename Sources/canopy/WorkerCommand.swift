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
    @Option(
        help: ArgumentHelp(
            "Fault injection for tests: histograms:N dies instead of sending its Nth histogram reply, applied:N right after its Nth Applied, subtrees:N instead of sending back its Nth handed-off subtrees.",
            visibility: .hidden))
    var die: String?
    @OptionGroup var logging: LoggingOptions
    @Option(help: "The host name other workers reach this one by, for the reduction among workers (default: this host's name).")
    var advertiseHost: String?
    @Option(help: "The port of this worker's peer socket (default: a free one).") var peerPort = 0
    @Flag(help: ArgumentHelp("Exit when the parent process dies (set by canopy train for its workers).", visibility: .hidden))
    var dieWithParent = false

    func validate() throws {
        if let threads, threads < 1 { throw ValidationError("--threads must be >= 1, got \(threads)") }
        guard (0...65535).contains(peerPort) else { throw ValidationError("--peer-port must be 0...65535, got \(peerPort)") }
        if let host = advertiseHost, host.isEmpty || host.contains(where: { $0 == "/" || $0 == " " || $0 == ":" }) {
            throw ValidationError("--advertise-host takes a host name or IPv4 address, got '\(host)'")
        }
        guard coordinatorTimeout >= 1 else { throw ValidationError("--coordinator-timeout must be >= 1 s, got \(coordinatorTimeout)") }
    }

    /// The endpoint: given, or read from the file once the coordinator has written it.
    func endpoint() throws -> String {
        if let coordinator { return coordinator }
        guard let file = coordinatorFile else {
            throw CommandFailure("canopy worker: pass --coordinator tcp://HOST:PORT or --coordinator-file FILE")
        }
        let deadline = Date().addingTimeInterval(Double(max(1, coordinatorTimeout)) * 4)
        while Date() < deadline {
            if let text = try? String(contentsOfFile: file, encoding: .utf8),
                let line = text.split(separator: "\n").first, line.hasPrefix("tcp://")
            {
                return String(line)
            }
            usleep(100_000)
        }
        throw CommandFailure(
            "\(file): no coordinator endpoint appeared within \(max(1, coordinatorTimeout) * 4) s; is the coordinator running with --endpoint-file \(file)?"
        )
    }

    func run() throws {
        try logging.bootstrap(defaultLevel: .info)
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
        var logger = Logger(label: "worker")
        logger[metadataKey: "pid"] = "\(getpid())"
        let worker = TrainingWorker(endpoint: coordinator, threads: threads, logger: logger)
        worker.coordinatorTimeoutMs = max(1, coordinatorTimeout) * 1000
        worker.connectTimeoutMs = worker.coordinatorTimeoutMs
        if let die {
            guard let fault = WorkerFault(die) else { throw CommandFailure("--die takes histograms:N, applied:N or subtrees:N") }
            worker.fault = fault
        }
        if case let .client(_, pair) = mode { worker.peerKeys = pair }
        if let advertiseHost { worker.advertiseHost = advertiseHost }
        worker.peerPort = peerPort
        let exit = try worker.run(configure: mode.apply)
        logger.log(level: exit.isClean ? .info : .error, "\(exit)")
        logger.info("peak RSS \(peakResidentBytes() / 1_048_576) MiB")
        for line in worker.traffic.lines { logger.info("\(line)") }
        if !exit.isClean { throw ExitCode(1) }
    }
}
