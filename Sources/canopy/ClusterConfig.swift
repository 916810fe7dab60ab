import ArgumentParser
import Foundation
import RDTCore
import WireProtocol

/// A cluster configuration (cluster-configs/NAME.json, docs/cluster.md): where things are and
/// which keys to use. Relative paths are relative to the file's folder; `~` is the home folder.
struct ClusterConfig {
    let name: String
    let path: String
    let json: JSON

    /// Finds NAME (a path to a .json file, or a name looked up in $CANOPY_CLUSTER_CONFIGS,
    /// ./cluster-configs, and the cluster-configs folder of the checkout this binary was built in).
    init(named name: String) throws {
        var places: [String] = []
        if name.hasSuffix(".json") || name.contains("/") {
            places = [name]
        } else {
            if let dir = ProcessInfo.processInfo.environment["CANOPY_CLUSTER_CONFIGS"] { places.append(dir + "/" + name + ".json") }
            places.append(FileManager.default.currentDirectoryPath + "/cluster-configs/" + name + ".json")
            // .build/<config>/canopy -> the checkout's cluster-configs.
            let checkout = URL(fileURLWithPath: selfExecutable()).deletingLastPathComponent().deletingLastPathComponent()
                .deletingLastPathComponent()
            places.append(checkout.path + "/cluster-configs/" + name + ".json")
        }
        guard let found = places.first(where: { FileManager.default.fileExists(atPath: $0) }) else {
            throw CommandFailure("unknown cluster \(name): no \(places.joined(separator: " or ")); see cluster-configs/example-cluster.json")
        }
        guard let data = FileManager.default.contents(atPath: found), let json = try? JSON.parse([UInt8](data)),
              case .object = json else {
            throw CommandFailure("\(found): not a JSON object; compare it with cluster-configs/example-cluster.json")
        }
        self.name = name
        path = found
        self.json = json
    }

    func string(_ key: String) -> String? { json[key]?.stringValue }
    func int(_ key: String) -> Int? { json[key]?.intValue }

    /// A path from the file, resolved.
    func resolve(_ value: String) -> String {
        if value.hasPrefix("~/") { return NSHomeDirectory() + value.dropFirst(1) }
        if value.hasPrefix("/") { return value }
        return (URL(fileURLWithPath: path).deletingLastPathComponent().path) + "/" + value
    }

    var keys: JSON? { json["keys"] }
    var keyDirectory: String? { keys?["directory"]?.stringValue.map(resolve) }
    var plaintext: Bool { json["plaintext"]?.boolValue ?? false }

    func keyFile(_ field: String, _ ext: String) throws -> String {
        guard let dir = keyDirectory, let name = keys?[field]?.stringValue else {
            throw CommandFailure("\(path): keys.directory and keys.\(field) are needed (or \"plaintext\": true for a loopback demo)")
        }
        return dir + "/" + name + ext
    }
}

/// The security options every networked command shares: a cluster config, explicit key files,
/// or plaintext (loopback demos only, with a warning).
struct SecurityOptions: ParsableArguments {
    @Option(help: "Cluster config: a name in cluster-configs/ or a path (keys, port, threads).") var cluster: String?
    @Option(help: "This process's key pair (NAME.key from `canopy keys generate`).") var key: String?
    @Option(help: "The coordinator's public key (NAME.pub), for workers and clients.") var serverKey: String?
    @Option(help: "A worker's public key (.pub) or a folder of them the coordinator admits (repeatable); they may also ask for status and forests.")
    var allow: [String] = []
    @Option(help: "A client's public key (.pub) or a folder of them: admitted for status and fetch only, never as a worker (repeatable).")
    var allowClient: [String] = []
    @Flag(help: "No encryption, no authentication: anyone who reaches the port can join. Loopback demos only.")
    var plaintext = false

    func config() throws -> ClusterConfig? { try cluster.map { try ClusterConfig(named: $0) } }

    func warnPlaintext() {
        FileHandle.standardError.write(Data("warning: plaintext ZeroMQ: no encryption and anyone who can reach the port can join; use it only on loopback\n".utf8))
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
        guard !workerPaths.isEmpty else { throw CommandFailure("no allowed worker keys: pass --allow KEY.pub (or a folder), or list them in the cluster config's keys.allowed") }
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

struct Keys: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Make CURVE key pairs: NAME.key (private, mode 0600) and NAME.pub for each NAME.",
        discussion: "Typical: `canopy keys generate --out keys coordinator worker`; give the coordinator coordinator.key and the allowed worker.pub, give workers worker.key and coordinator.pub.")

    @Argument(help: "\"generate\".") var action: String
    @Option(help: "Folder for the key files.") var out = "keys"
    @Argument(help: "Names of the key pairs.") var names: [String] = []

    func run() throws {
        guard action == "generate" else { throw CommandFailure("canopy keys: unknown action \(action); the action is `generate`") }
        guard !names.isEmpty else { throw CommandFailure("canopy keys generate: name at least one key pair, e.g. coordinator worker") }
        for name in names {
            guard !name.isEmpty, !name.contains("/"), !name.hasPrefix(".") else { throw CommandFailure("bad key name \"\(name)\"") }
            let files = try CurveKeyPair.generate().write(directory: out, name: name)
            print("\(files.secret) (private) and \(files.public)")
        }
    }
}

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
                    throw CommandFailure("\(config.path): key file \(file) is missing; make it with `canopy keys generate --out \(config.keyDirectory ?? "keys") \(config.keys?[field]?.stringValue ?? field)`")
                }
            }
        }
        print("cluster \(name): \(config.path)")
        print(config.json.serialized())
    }
}
