import ArgumentParser
import CSupport
import Coordinator
import Dataset
import Foundation
import ImagePipeline
import RDTCore
import Training
import WireProtocol
import Worker

struct Fetch: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Fetch a finished job's forest (JSON and .rdt) and its report.json from a coordinator.")
    @OptionGroup var client: ClientOptions
    @Option(help: "The job's name.") var job: String
    @Option(help: "Folder to write the files into.") var out: String

    func run() throws {
        let reply = try client.client(defaultSeconds: 60).fetch(job: job)
        guard reply.finished else { throw CommandFailure(reply.message) }
        try AtomicFile.makeDirectory(out)
        // All or nothing: a forest never arrives in part.
        try AtomicFile.writeAll(reply.files.map { (out + "/" + $0.0, $0.1) })
        for (name, bytes) in reply.files { print("\(out)/\(name) (\(bytes.count) bytes)") }
    }
}
