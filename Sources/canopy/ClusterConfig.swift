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

    /// The fields a config may hold (docs/cluster.md).
    static let fields = InputKeys([
        "name", "description", "partition", "coordinator_port", "dataset_root", "threads_per_worker",
        "histogram_memory_mb", "keys", "plaintext",
    ])
    static let keyFields = InputKeys(["directory", "coordinator", "client", "allowed", "clients"])

    /// The folders NAME.json is looked for in, in order: `$CANOPY_CLUSTER_DIR`, `./cluster-configs`,
    /// the installed binary's `../share/canopy/cluster-configs`, and the `cluster-configs` of the
    /// checkout a `.build/<config>/canopy` binary was built in.
    static func searchPath() -> [String] {
        var dirs: [String] = []
        if let dir = ProcessInfo.processInfo.environment["CANOPY_CLUSTER_DIR"], !dir.isEmpty { dirs.append(dir) }
        dirs.append(FileManager.default.currentDirectoryPath + "/cluster-configs")
        let bin = URL(fileURLWithPath: selfExecutable()).deletingLastPathComponent()
        dirs.append(bin.deletingLastPathComponent().path + "/share/canopy/cluster-configs")
        dirs.append(bin.deletingLastPathComponent().deletingLastPathComponent().path + "/cluster-configs")
        return dirs
    }

    /// Finds NAME (a path to a .json file, or a name looked up along `searchPath()`) and checks
    /// its fields.
    init(named name: String) throws {
        let places = name.hasSuffix(".json") || name.contains("/") ? [name] : Self.searchPath().map { $0 + "/" + name + ".json" }
        guard let found = places.first(where: { FileManager.default.fileExists(atPath: $0) }) else {
            throw CommandFailure(
                "unknown cluster \(name): no \(places.joined(separator: " or ")); see cluster-configs/example-cluster.json and docs/cluster.md"
            )
        }
        guard let data = FileManager.default.contents(atPath: found) else {
            throw CommandFailure("\(found): cannot read the cluster config")
        }
        let json: JSON
        do { json = try JSON.parse([UInt8](data)) } catch { throw CommandFailure("\(found): cluster config: \(error)") }
        try Self.fields.check(json, path: found, what: "cluster config")
        if let keys = json["keys"] { try Self.keyFields.check(keys, path: found, what: "cluster config's keys") }
        for field in ["coordinator_port", "threads_per_worker", "histogram_memory_mb"] {
            if let v = json[field], v.intValue == nil { throw CommandFailure("\(found): \(field) must be a whole number") }
        }
        if let port = json["coordinator_port"]?.intValue, !(0...65535).contains(port) {
            throw CommandFailure("\(found): coordinator_port must be 0...65535 (0 picks a free port), got \(port)")
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
