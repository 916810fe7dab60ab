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
