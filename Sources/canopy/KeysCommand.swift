import ArgumentParser
import Foundation
import WireProtocol

struct Keys: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Manage CURVE key pairs.",
        subcommands: [Generate.self])

    struct Generate: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Make CURVE key pairs: NAME.key (private, mode 0600) and NAME.pub for each NAME.",
            discussion:
                "Typical: `canopy keys generate --out keys coordinator worker`; give the coordinator coordinator.key and the allowed worker.pub, give workers worker.key and coordinator.pub. An existing key file is never overwritten."
        )

        @Option(help: "Folder for the key files.") var out = "keys"
        @Argument(help: "Names of the key pairs.") var names: [String]

        func validate() throws {
            guard !names.isEmpty else { throw ValidationError("name at least one key pair, e.g. coordinator worker") }
            for name in names where name.isEmpty || name.contains("/") || name.hasPrefix(".") {
                throw ValidationError("bad key name \"\(name)\": a plain file name without '/' or a leading '.'")
            }
        }

        func run() throws {
            for name in names {
                let files = try CurveKeyPair.generate().write(directory: out, name: name)
                print("\(files.secret) (private) and \(files.public)")
            }
        }
    }
}
