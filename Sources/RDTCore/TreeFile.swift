import Foundation

/// Errors loading or saving tree files; one line each, naming the file and the problem.
public enum TreeFileError: Error, CustomStringConvertible, Equatable {
    case unreadable(path: String, reason: String)
    case invalid(path: String, problem: String)
    case unwritable(path: String, reason: String)

    public var description: String {
        switch self {
        case let .unreadable(path, reason): return "\(path): cannot read tree file (\(reason))"
        case let .invalid(path, problem): return "\(path): not a usable tree file: \(problem)"
        case let .unwritable(path, reason): return "\(path): cannot write tree file (\(reason))"
        }
    }
}

/// glimpse-compatible tree files: JSON and binary .rdt version 6.
public enum TreeFile {
    public static let rdtVersion: UInt8 = 6
    static let headerBytes = 272
    static let nodeBytes = 32
    static let untrainedIndex: UInt32 = 0x7fff_ffff
    /// Largest |u|, |v| accepted from a file, in pixel-metres (a 1 m offset at f = 10000 px).
    static var maxOffset: Float { Candidates.maxOffset }

    // MARK: loading

    /// Loads a tree from `.json` or `.rdt` (chosen by extension).
    public static func load(_ path: String) throws -> DecisionTree {
        let bytes: [UInt8]
        do {
            bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        } catch {
            throw TreeFileError.unreadable(path: path, reason: "missing or unreadable")
        }
        return path.hasSuffix(".rdt") ? try decodeRDT(bytes, path: path) : try decodeJSON(bytes, path: path)
    }

    /// Loads trees that must agree on labels (a forest); the first disagreement is named.
    /// The tree files `arguments` name: files as given; a folder stands for its `.rdt` trees or,
    /// without any, its `.json` trees (a forest folder's report.json and checkpoint.json are not trees).
    public static func forestPaths(_ arguments: [String]) throws -> [String] {
        try arguments.flatMap { path -> [String] in
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue else { return [path] }
            let names = try FileManager.default.contentsOfDirectory(atPath: path).sorted()
            let rdt = names.filter { $0.hasSuffix(".rdt") }
            let json = names.filter { $0.hasSuffix(".json") && $0 != "report.json" && $0 != "checkpoint.json" }
            let trees = rdt.isEmpty ? json : rdt
            guard !trees.isEmpty else { throw TreeFileError.unreadable(path: path, reason: "a folder without .rdt or .json trees") }
            return trees.map { path + "/" + $0 }
        }
    }

    /// Loads the trees `arguments` name (files or folders, see `forestPaths`); they must agree on
    /// their labels.
    public static func loadForest(_ arguments: [String]) throws -> [DecisionTree] {
        let paths = try forestPaths(arguments)
        let trees = try paths.map(load)
        for (tree, path) in zip(trees, paths).dropFirst() where tree.labelCount != trees[0].labelCount {
            throw TreeFileError.invalid(
                path: path,
                problem:
                    "it has \(tree.labelCount) labels but \(paths[0]) has \(trees[0].labelCount)")
        }
        return trees
    }

    public static func decodeJSON(_ bytes: [UInt8], path: String) throws -> DecisionTree {
        func bad(_ problem: String) -> TreeFileError { .invalid(path: path, problem: problem) }
        let json: JSON
        do { json = try JSON.parse(bytes) } catch { throw bad("\(error)") }
        let maxDepth = DecisionTree.maximumDepth
        guard let depth = json["depth"]?.intValue, (1...maxDepth).contains(depth) else {
            throw bad("\"depth\" must be 1...\(maxDepth)")
        }
        guard let nLabels = json["n_labels"]?.intValue, (1...255).contains(nLabels) else {
            throw bad("\"n_labels\" must be 1...255")
        }
        guard let fov = json["vertical_fov"]?.doubleValue, fov > 0, fov < Double.pi else {
            throw bad("\"vertical_fov\" must be in (0, pi) radians")
        }
        let bgDepth = json["bg_depth"]?.doubleValue ?? 32.0
        guard bgDepth > 0, bgDepth <= 65.535 else { throw bad("\"bg_depth\" must be in (0, 65.535] metres") }
        var labels: [LabelInfo] = (0..<nLabels).map { LabelInfo(name: "label \($0)") }
        if let list = json["labels"]?.arrayValue {
            guard list.count == nLabels else {
                throw bad("\"labels\" lists \(list.count) labels but \"n_labels\" is \(nLabels)")
            }
            labels = try list.enumerated().map { i, entry in
                if let name = entry.stringValue { return LabelInfo(name: name) }
                guard let name = entry["name"]?.stringValue else { throw bad("label \(i) has no name") }
                return LabelInfo(name: name, opposite: entry["opposite"]?.stringValue)
            }
        }
        var tree = DecisionTree(
            depth: depth, labels: labels, verticalFOV: fov,
            backgroundDepthMM: Int((bgDepth * 1000).rounded()))
        tree.backgroundLabel = json["bg_label"]?.intValue ?? 0
        tree.history = json["history"]?.arrayValue ?? []
        guard let root = json["root"] else { throw bad("no \"root\" node") }
        // Breadth-first walk with an explicit queue (no recursion limits on hostile input).
        var queue: [(JSON, Int, Int)] = [(root, 0, 0)]
        var head = 0
        while head < queue.count {
            let (node, index, level) = queue[head]
            head += 1
            guard case .object(let members) = node else { throw bad("node \(index) is not an object") }
            if members.isEmpty { continue }  // untrained
            if let p = node["p"] {
                guard let values = p.arrayValue?.compactMap(\.floatValue), values.count == p.arrayValue?.count,
                    values.allSatisfy({ $0.isFinite && $0 >= 0 })
                else {
                    throw bad("leaf \(index) has a non-numeric or negative probability")
                }
                guard values.count == nLabels else {
                    throw bad("leaf \(index) has \(values.count) probabilities but n_labels is \(nLabels)")
                }
                tree.nodes[index] = .leaf(values)
                continue
            }
            guard level < depth - 1 else { throw bad("inner node \(index) at the last level of a depth-\(depth) tree") }
            func pair(_ key: String) throws -> (Float, Float) {
                guard let a = node[key]?.arrayValue, a.count == 2, let x = a[0].floatValue, let y = a[1].floatValue,
                    x.isFinite, y.isFinite, abs(x) <= maxOffset, abs(y) <= maxOffset
                else {
                    throw bad("node \(index) has no valid \"\(key)\" [x, y] pair")
                }
                return (x, y)
            }
            let u = try pair("u"), v = try pair("v")
            guard let t = node["t"]?.doubleValue, t.isFinite, abs(t) <= 65.535 else {
                throw bad("node \(index) has no valid threshold \"t\"")
            }
            guard let l = node["l"], let r = node["r"] else { throw bad("node \(index) lacks \"l\" or \"r\"") }
            tree.nodes[index] = .split(uv: SIMD4(u.0, u.1, v.0, v.1), thresholdMM: Int32((t * 1000).rounded()))
            queue.append((l, 2 * index + 1, level + 1))
            queue.append((r, 2 * index + 2, level + 1))
        }
        return tree
    }

    public static func decodeRDT(_ bytes: [UInt8], path: String) throws -> DecisionTree {
        func bad(_ problem: String) -> TreeFileError { .invalid(path: path, problem: problem) }
        guard bytes.count >= headerBytes else {
            throw bad("truncated: \(bytes.count) bytes, shorter than the \(headerBytes)-byte header")
        }
        guard bytes[0] == 0x52, bytes[1] == 0x44, bytes[2] == 0x54 else { throw bad("no \"RDT\" tag") }
        guard bytes[3] == rdtVersion else { throw bad("version \(bytes[3]), this reader needs version \(rdtVersion)") }
        let depth = Int(bytes[4]), nLabels = Int(bytes[5]), bgLabel = Int(bytes[6])
        guard (1...DecisionTree.maximumDepth).contains(depth) else {
            throw bad("depth \(depth) is not 1...\(DecisionTree.maximumDepth)")
        }
        guard nLabels >= 1 else { throw bad("n_labels is 0") }
        func f32(_ at: Int) -> Float {
            Float(
                bitPattern: UInt32(bytes[at]) | UInt32(bytes[at + 1]) << 8 | UInt32(bytes[at + 2]) << 16
                    | UInt32(bytes[at + 3]) << 24)
        }
        func u32(_ at: Int) -> UInt32 { f32(at).bitPattern }
        let fov = f32(8), bgDepth = f32(12)
        guard fov.isFinite, fov > 0 else { throw bad("invalid vertical_fov \(fov)") }
        guard bgDepth.isFinite, bgDepth > 0, bgDepth <= 65.535 else { throw bad("invalid bg_depth \(bgDepth)") }
        let flip = Array(bytes[16..<272])
        let nNodes = (1 << depth) - 1
        let tablesStart = headerBytes + nNodes * nodeBytes
        guard bytes.count >= tablesStart else {
            throw bad("truncated: \(bytes.count) bytes, a depth-\(depth) tree needs \(tablesStart) before its leaf tables")
        }
        let tableBytes = nLabels * 4
        guard (bytes.count - tablesStart) % tableBytes == 0 else {
            throw bad("\(bytes.count - tablesStart) bytes of leaf tables is not a whole number of \(nLabels)-label tables")
        }
        let nTables = (bytes.count - tablesStart) / tableBytes
        var labels = (0..<nLabels).map { LabelInfo(name: "label \($0)") }
        for i in 0..<nLabels where Int(flip[i]) != i && Int(flip[i]) < nLabels {
            labels[i].opposite = "label \(flip[i])"
        }
        var tree = DecisionTree(
            depth: depth, labels: labels, verticalFOV: Double(fov),
            backgroundDepthMM: Int((Double(bgDepth) * 1000).rounded()))
        tree.backgroundLabel = bgLabel
        for i in 0..<nNodes {
            let at = headerBytes + i * nodeBytes
            let index = u32(at + 20)
            if index == untrainedIndex { continue }
            if index == 0 {
                let uv = SIMD4(f32(at), f32(at + 4), f32(at + 8), f32(at + 12)), t = f32(at + 16)
                guard Candidates.isValidOffset(uv), t.isFinite,
                    abs(t) <= 65.535
                else { throw bad("node \(i) has non-finite or out-of-range u, v or t") }
                tree.nodes[i] = .split(uv: uv, thresholdMM: Int32((Double(t) * 1000).rounded()))
            } else {
                guard Int(index) <= nTables else {
                    throw bad("node \(i) refers to leaf table \(index) but the file holds \(nTables) (label count mismatch or truncation)")
                }
                let start = tablesStart + (Int(index) - 1) * tableBytes
                tree.nodes[i] = .leaf((0..<nLabels).map { f32(start + 4 * $0) })
            }
        }
        return tree
    }

    // MARK: saving

    public static func encodeJSON(_ tree: DecisionTree, pretty: Bool = false) -> String {
        func node(_ i: Int) -> JSON {
            guard i < tree.nodes.count else { return .object([]) }
            switch tree.nodes[i] {
            case .untrained: return .object([])
            case .leaf(let p): return .object([("p", .array(p.map { JSON.float($0) }))])
            case let .split(uv, t):
                return .object([
                    ("t", .double(Double(t) / 1000)), ("u", .array([.float(uv.x), .float(uv.y)])),
                    ("v", .array([.float(uv.z), .float(uv.w)])), ("l", node(2 * i + 1)), ("r", node(2 * i + 2)),
                ])
            }
        }
        let labels: [JSON] = tree.labels.map { label in
            var m: [(String, JSON)] = [("name", .string(label.name))]
            if let o = label.opposite { m.append(("opposite", .string(o))) }
            return .object(m)
        }
        let json = JSON.object([
            ("depth", .int(tree.depth)), ("vertical_fov", .double(tree.verticalFOV)), ("n_labels", .int(tree.labelCount)),
            ("bg_label", .int(tree.backgroundLabel)), ("bg_depth", .double(Double(tree.backgroundDepthMM) / 1000)),
            ("labels", .array(labels)), ("history", .array(tree.history)), ("root", node(0)),
        ])
        return json.serialized(pretty: pretty)
    }

    public static func encodeRDT(_ tree: DecisionTree) -> [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(headerBytes + tree.nodes.count * nodeBytes)
        func put(_ v: UInt32) { out += [UInt8(v & 0xff), UInt8(v >> 8 & 0xff), UInt8(v >> 16 & 0xff), UInt8(v >> 24)] }
        func put(_ f: Float) { put(f.bitPattern) }
        out += [0x52, 0x44, 0x54, rdtVersion, UInt8(tree.depth), UInt8(tree.labelCount), UInt8(tree.backgroundLabel), 0]
        put(Float(tree.verticalFOV))
        put(Float(Double(tree.backgroundDepthMM) / 1000))
        out += tree.flipMap
        var tables: [[Float]] = []
        for node in tree.nodes {
            switch node {
            case .untrained:
                for _ in 0..<5 { put(UInt32(0)) }
                put(untrainedIndex)
            case let .split(uv, t):
                put(uv.x)
                put(uv.y)
                put(uv.z)
                put(uv.w)
                put(Float(Double(t) / 1000))
                put(UInt32(0))
            case .leaf(let p):
                tables.append(p)
                for _ in 0..<5 { put(UInt32(0)) }
                put(UInt32(tables.count))
            }
            put(UInt32(0))
            put(UInt32(0))
        }
        for table in tables { for p in table { put(p) } }
        return out
    }

    /// Saves by extension (.rdt binary, else JSON), to a temporary name, fsync'd, then renamed.
    public static func save(_ tree: DecisionTree, to path: String) throws { try AtomicFile.write(encode(tree, for: path), to: path) }

    /// The bytes of `tree` in the format `path`'s extension names (.rdt, else JSON).
    public static func encode(_ tree: DecisionTree, for path: String) -> [UInt8] {
        path.hasSuffix(".rdt") ? encodeRDT(tree) : Array(encodeJSON(tree, pretty: true).utf8)
    }
}
