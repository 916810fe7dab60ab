import Foundation

/// A glimpse joint map (reference/glimpse/joint-maps): for each joint, the labels whose pixels
/// locate it and the joints it connects to (the skeleton drawn on pictures).
public struct JointMap: Equatable, Sendable {
    public struct Joint: Equatable, Sendable {
        public var name: String
        public var labels: [Int]
        public var connections: [String]

        public init(name: String, labels: [Int], connections: [String] = []) {
            self.name = name
            self.labels = labels
            self.connections = connections
        }
    }

    public var joints: [Joint]

    public init(joints: [Joint]) { self.joints = joints }

    /// The keys of a joint map entry; `labels_flipped` (glimpse's labels for mirrored frames) is
    /// accepted without effect: Canopy mirrors through the label map's opposites.
    static let entryKeys = InputKeys(["joint", "labels", "connections"], harmless: ["labels_flipped"])

    /// Reads a joint map, checking labels against the forest's `labelCount` where given.
    public init(contentsOf path: String, labelCount: Int? = nil) throws {
        func bad(_ p: String) -> JointError { .invalid(path: path, problem: p) }
        guard let data = FileManager.default.contents(atPath: path) else { throw bad("cannot read the joint map") }
        guard let list = (try? JSON.parse([UInt8](data)))?.arrayValue else { throw bad("not a glimpse joint map (a JSON array of joints)") }
        joints = try list.enumerated().map { i, entry in
            try Self.entryKeys.check(entry, path: path, what: "joint map entry \(i)")
            guard let name = entry["joint"]?.stringValue, let labels = entry["labels"]?.arrayValue?.compactMap(\.intValue), !labels.isEmpty
            else { throw bad("entry \(i) needs \"joint\" and a non-empty \"labels\" list") }
            if let labelCount, let l = labels.first(where: { $0 < 0 || $0 >= labelCount }) {
                throw bad(
                    "joint \(name) uses label \(l), but the forest has \(labelCount) labels; is this the joint map for this label map?")
            }
            return Joint(name: name, labels: labels, connections: entry["connections"]?.arrayValue?.compactMap(\.stringValue) ?? [])
        }
        let names = Set(joints.map(\.name))
        for j in joints { for c in j.connections where !names.contains(c) { throw bad("joint \(j.name) connects to unknown joint \(c)") } }
    }

    /// Index pairs of connected joints.
    public var bones: [(Int, Int)] {
        let index = Dictionary(joints.enumerated().map { ($1.name, $0) }, uniquingKeysWith: { a, _ in a })
        return joints.enumerated().flatMap { i, j in j.connections.compactMap { index[$0].map { (i, $0) } } }
    }
}
