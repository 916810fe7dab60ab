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
            throw CommandFailure(
                "unknown cluster \(name): no \(places.joined(separator: " or ")); see cluster-configs/example-cluster.json")
        }
        guard let data = FileManager.default.contents(atPath: found), let json = try? JSON.parse([UInt8](data)),
            case .object = json
        else {
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
