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
