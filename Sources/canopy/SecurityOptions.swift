import ArgumentParser
import Foundation
import RDTCore
import WireProtocol

/// The security options every networked command shares: a cluster config, explicit key files,
/// or plaintext (loopback demos only, with a warning).
struct SecurityOptions: ParsableArguments {
    @Option(help: "Cluster config: a name in cluster-configs/ or a path (keys, port, threads).") var cluster: String?
    @Option(help: "This process's key pair (NAME.key from `canopy keys generate`).") var key: String?
    @Option(help: "The coordinator's public key (NAME.pub), for workers and clients.") var serverKey: String?
    @Option(
        help:
            "A worker's public key (.pub) or a folder of them the coordinator admits (repeatable); they may also ask for status and forests."
    )
    var allow: [String] = []
    @Option(help: "A client's public key (.pub) or a folder of them: admitted for status and fetch only, never as a worker (repeatable).")
    var allowClient: [String] = []
    @Flag(help: "No encryption, no authentication: anyone who reaches the port can join. Loopback demos only.")
    var plaintext = false

    func config() throws -> ClusterConfig? { try cluster.map { try ClusterConfig(named: $0) } }

    func warnPlaintext() {
        FileHandle.standardError.write(
            Data("warning: plaintext ZeroMQ: no encryption and anyone who can reach the port can join; use it only on loopback\n".utf8))
    }

    /// The coordinator's side: its key pair and the keys it admits, workers' and clients' (`config`: from `config()`).
    func server(_ config: ClusterConfig?) throws -> Security {
        if plaintext || (key == nil && config?.plaintext == true) {
            warnPlaintext()
            return .plaintext
        }
        let keyPath = try key ?? config.map { try $0.keyFile("coordinator", ".key") }
        guard let keyPath else { throw CommandFailure(SecurityError.noSecurity(role: "coordinator").description) }
        var workerPaths = allow, clientPaths = allowClient
        if workerPaths.isEmpty, clientPaths.isEmpty, let config, let dir = config.keyDirectory {
            let names = { (field: String) in config.keys?[field]?.arrayValue?.compactMap(\.stringValue) ?? [] }
            workerPaths = names("allowed").map { dir + "/" + $0 + ".pub" }
            clientPaths = names("clients").map { dir + "/" + $0 + ".pub" }
        }
        guard !workerPaths.isEmpty else {
            throw CommandFailure(
                "no allowed worker keys: pass --allow KEY.pub (or a folder), or list them in the cluster config's keys.allowed")
        }
        var allowed: [String: AllowedKey] = [:]
        for (paths, role) in [(workerPaths, PeerRole.worker), (clientPaths, PeerRole.client)] {
            for p in paths {
                var isDir: ObjCBool = false
                if FileManager.default.fileExists(atPath: p, isDirectory: &isDir), isDir.boolValue {
                    for f in try FileManager.default.contentsOfDirectory(atPath: p).sorted() where f.hasSuffix(".pub") {
                        allowed[try CurveKeyPair.loadPublic(p + "/" + f)] = AllowedKey(name: f, role: role)
                    }
                } else {
                    allowed[try CurveKeyPair.loadPublic(p)] = AllowedKey(name: URL(fileURLWithPath: p).lastPathComponent, role: role)
                }
            }
        }
        return .server(try CurveKeyPair.load(secretFile: keyPath), allowed: allowed)
    }

    /// A worker's or client's side: the coordinator's public key and this process's key pair.
    func client(_ config: ClusterConfig?) throws -> Security {
        if plaintext || (key == nil && serverKey == nil && config?.plaintext == true) {
            warnPlaintext()
            return .plaintext
        }
        let keyPath = try key ?? config.map { try $0.keyFile("client", ".key") }
        let serverPath = try serverKey ?? config.map { try $0.keyFile("coordinator", ".pub") }
        guard let keyPath, let serverPath else { throw CommandFailure(SecurityError.noSecurity(role: "worker or client").description) }
        return .client(serverKey: try CurveKeyPair.loadPublic(serverPath), try CurveKeyPair.load(secretFile: keyPath))
    }
}
