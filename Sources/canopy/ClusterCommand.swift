import ArgumentParser
import Foundation
import RDTCore
import WireProtocol

struct Cluster: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check a cluster config and print it, or one field of it (for scripts).")

    @Argument(help: "Cluster name (cluster-configs/NAME.json) or path.") var name: String
    @Option(help: "Print only this top-level field.") var get: String?

    func run() throws {
        let config = try ClusterConfig(named: name)
        if let get {
            guard let value = config.json[get] else { throw CommandFailure("\(config.path) has no field \(get)") }
            if let s = value.stringValue { print(s) } else { print(value.serialized(pretty: false)) }
            return
        }
        if !config.plaintext {
            for (field, ext) in [("coordinator", ".pub"), ("client", ".key")] {
                let file = try config.keyFile(field, ext)
                guard FileManager.default.fileExists(atPath: file) else {
                    throw CommandFailure(
                        "\(config.path): key file \(file) is missing; make it with `canopy keys generate --out \(config.keyDirectory ?? "keys") \(config.keys?[field]?.stringValue ?? field)`"
                    )
                }
            }
        }
        print("cluster \(name): \(config.path)")
        print(config.json.serialized())
    }
}
