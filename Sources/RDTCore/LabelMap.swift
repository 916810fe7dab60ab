import Foundation

/// Errors in a label map file; each prints as one line naming the file.
public enum LabelMapError: Error, CustomStringConvertible, Equatable {
    case unreadable(path: String, reason: String)
    case invalid(path: String, reason: String)

    public var description: String {
        switch self {
        case let .unreadable(path, reason): return "\(path): cannot read label map (\(reason))"
        case let .invalid(path, reason): return "\(path): not a valid label map: \(reason)"
        }
    }
}

/// A glimpse label map (shared/reference/glimpse/label-maps): entry i is packed label i; packed 0 is
/// background. Maps raw label values (render grey levels, or earlier packed labels) to packed labels.
public struct LabelMap: Equatable, Sendable {
    public var labels: [LabelInfo]
    /// raw value -> packed label; nil where the map does not list the value.
    public var lookup: [UInt8?]
    /// packed label -> its mirror (itself where it has no `opposite`).
    public var flipMap: [UInt8]

    public var count: Int { labels.count }
    public var names: [String] { labels.map(\.name) }

    public init(labels: [LabelInfo], source: String = "label map") throws {
        guard !labels.isEmpty, labels.count <= 255 else {
            throw LabelMapError.invalid(path: source, reason: "it must list 1 to 255 labels, found \(labels.count)")
        }
        self.labels = labels
        var lookup = [UInt8?](repeating: nil, count: 256)
        for (packed, label) in labels.enumerated() {
            for raw in label.inputs {
                guard (0...255).contains(raw) else {
                    throw LabelMapError.invalid(path: source, reason: "label '\(label.name)' input \(raw) is not 0-255")
                }
                if let earlier = lookup[raw], Int(earlier) != packed {
                    throw LabelMapError.invalid(
                        path: source,
                        reason:
                            "input \(raw) maps to both '\(labels[Int(earlier)].name)' and '\(label.name)'")
                }
                lookup[raw] = UInt8(packed)
            }
        }
        self.lookup = lookup
        for label in labels {
            if let opposite = label.opposite, !labels.contains(where: { $0.name == opposite }) {
                throw LabelMapError.invalid(
                    path: source,
                    reason:
                        "label '\(label.name)' names opposite '\(opposite)', which is not in the map")
            }
        }
        flipMap = LabelInfo.flipMap(labels)
    }

    /// Reads a label map in glimpse's JSON schema.
    public init(contentsOf path: String) throws {
        let data: [UInt8]
        do {
            data = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        } catch {
            throw LabelMapError.unreadable(path: path, reason: "file missing or unreadable")
        }
        let json: JSON
        do { json = try JSON.parse(data) } catch {
            throw LabelMapError.invalid(path: path, reason: "\(error)")
        }
        try self.init(json: json, source: path)
    }

    /// The keys of a label map entry (glimpse's label and out-maps).
    static let entryKeys = InputKeys(["name", "inputs", "opposite"])

    public init(json: JSON, source: String) throws {
        guard let entries = json.arrayValue else {
            throw LabelMapError.invalid(path: source, reason: "the top level must be an array of labels")
        }
        var labels: [LabelInfo] = []
        for (i, entry) in entries.enumerated() {
            try Self.entryKeys.check(entry, path: source, what: "label map entry \(i)")
            guard let name = entry["name"]?.stringValue else {
                throw LabelMapError.invalid(path: source, reason: "entry \(i) has no \"name\" string")
            }
            var inputs: [Int] = []
            if let raw = entry["inputs"] {
                guard let list = raw.arrayValue?.compactMap(\.intValue), list.count == raw.arrayValue?.count else {
                    throw LabelMapError.invalid(path: source, reason: "entry \(i) ('\(name)') has non-integer inputs")
                }
                inputs = list
            }
            labels.append(LabelInfo(name: name, inputs: inputs, opposite: entry["opposite"]?.stringValue))
        }
        try self.init(labels: labels, source: source)
    }

    /// The label map as glimpse JSON.
    public var json: JSON {
        .array(
            labels.map { label in
                var members: [(String, JSON)] = [("name", .string(label.name))]
                if !label.inputs.isEmpty { members.append(("inputs", .array(label.inputs.map { JSON.int($0) }))) }
                if let o = label.opposite { members.append(("opposite", .string(o))) }
                return .object(members)
            })
    }

    /// The packed label for a raw value, or nil where the map does not list it.
    @inline(__always) public func packed(_ raw: UInt8) -> UInt8? { lookup[Int(raw)] }

    /// Checks that this out-map fits `labels` labels: every input names one of them and every one
    /// of them is some output's input (else a label would vanish from the report).
    public func checkOutMap(fits labels: Int, path: String) throws {
        let inputs = self.labels.flatMap(\.inputs)
        if let bad = inputs.first(where: { $0 < 0 || $0 >= labels }) {
            throw LabelMapError.invalid(
                path: path,
                reason:
                    "the out-map maps label \(bad) but the forest has \(labels) labels (0...\(labels - 1)); use the out-map made for the forest's label map"
            )
        }
        let covered = Set(inputs)
        if let missing = (0..<labels).first(where: { !covered.contains($0) }) {
            throw LabelMapError.invalid(
                path: path,
                reason:
                    "the out-map maps no output for label \(missing) of the forest's \(labels); use the out-map made for the forest's label map"
            )
        }
    }
}
