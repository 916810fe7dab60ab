import Foundation
import RDTCore

/// Errors building or reading frame indexes; one line each.
public enum IndexError: Error, CustomStringConvertible, Equatable {
    case noManifest(String)
    case badManifest(path: String, problem: String)
    case missingIndex(path: String)
    case tooFew(name: String, wanted: Int, available: Int)
    case duplicateName(String)

    public var description: String {
        switch self {
        case .noManifest(let dir): return "\(dir)/manifest.json: missing; run `canopy preprocess ... --merge` first"
        case let .badManifest(path, problem): return "\(path): not a valid manifest: \(problem)"
        case .missingIndex(let path): return "\(path): no such index; build it with `canopy index`"
        case let .tooFew(name, wanted, available):
            return "index \(name): \(wanted) frames wanted without replacement, only \(available) available"
        case .duplicateName(let name): return "index \(name) is named twice; each index needs its own name"
        }
    }
}

/// One frame as a manifest lists it.
public struct ManifestFrame: Equatable, Sendable {
    public var id: UInt64
    public var name: String
    public var clip: String
    public var shard: String
    public var index: Int
    public var flipped: Bool
}

/// A pre-processed dataset's manifest.json.
public struct DatasetManifest: Sendable {
    public var root: String
    public var frames: [ManifestFrame]
    public var labelMap: LabelMap
    public var camera: Camera?
    public var backgroundDepthMM: Int
    /// Each shard's CRC-32 as the merge recorded it (file name -> CRC), checked when training loads it.
    public var shardChecksums: [String: UInt32] = [:]

    public init(root: String) throws {
        let path = root + "/manifest.json"
        guard let data = FileManager.default.contents(atPath: path) else { throw IndexError.noManifest(root) }
        func bad(_ p: String) -> IndexError { .badManifest(path: path, problem: p) }
        let json: JSON
        do { json = try JSON.parse([UInt8](data)) } catch { throw bad("\(error)") }
        guard let list = json["frames"]?.arrayValue else { throw bad("no \"frames\" list") }
        frames = try list.enumerated().map { i, f in
            guard let id = f["id"]?.intValue, id >= 0, let shard = f["shard"]?.stringValue, let index = f["index"]?.intValue
            else { throw bad("frame entry \(i) lacks id, shard or index") }
            return ManifestFrame(id: UInt64(id), name: f["name"]?.stringValue ?? "", clip: f["clip"]?.stringValue ?? "",
                                 shard: shard, index: index, flipped: f["flipped"]?.boolValue ?? false)
        }
        guard let labels = json["labels"] else { throw bad("no \"labels\"") }
        do { labelMap = try LabelMap(json: labels, source: path) } catch { throw bad("\(error)") }
        if let c = json["camera"], let w = c["width"]?.intValue, let h = c["height"]?.intValue,
           let fov = c["vertical_fov"]?.doubleValue {
            camera = Camera(width: w, height: h, verticalFOVDegrees: fov)
        }
        backgroundDepthMM = Int(((json["background_depth_m"]?.doubleValue ?? 32) * 1000).rounded())
        for (i, s) in (json["shards"]?.arrayValue ?? []).enumerated() {
            guard let file = s["file"]?.stringValue, let hex = s["crc32"]?.stringValue, let crc = UInt32(hex, radix: 16) else {
                throw bad("shard entry \(i) lacks file or a hexadecimal crc32")
            }
            shardChecksums[file] = crc
        }
        self.root = root
    }

    /// Reads index/NAME.txt: one frame id per line.
    public func index(_ name: String) throws -> [UInt64] {
        let path = root + "/index/" + name + ".txt"
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { throw IndexError.missingIndex(path: path) }
        return try text.split(separator: "\n").enumerated().map { i, line in
            guard let id = UInt64(line.trimmingCharacters(in: .whitespaces)) else {
                throw IndexError.badManifest(path: path, problem: "line \(i + 1) is not a frame id")
            }
            return id
        }
    }
}

/// Builds frame indexes like glimpse-data-indexer.py: `full`, then each named index sampled from the
/// frames left after exclusions and filters, with replacement unless asked otherwise, seeded by
/// `seed` or else the index's name, so the same command gives the same indexes.
public struct DatasetIndexer {
    public var manifest: DatasetManifest
    public var exclude: [String] = []
    public var withoutReplacement = false
    public var tags: [String] = []
    public var notTags: [String] = []
    public var includeFlipped = true
    public var seed: String?

    public init(manifest: DatasetManifest) { self.manifest = manifest }

    static func seedValue(_ s: String) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in s.utf8 { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
        return h
    }

    /// The frames eligible for sampling, in id order.
    public func pool() throws -> [UInt64] {
        var excluded = Set<UInt64>()
        for name in exclude { excluded.formUnion(try manifest.index(name)) }
        return manifest.frames.filter { f in
            let lower = f.clip.lowercased() + " " + f.name.lowercased()
            return !excluded.contains(f.id) && (includeFlipped || !f.flipped)
                && tags.allSatisfy { lower.contains($0.lowercased()) }
                && !notTags.contains { lower.contains($0.lowercased()) }
        }.map(\.id).sorted()
    }

    /// Writes index/full.txt and each requested index; returns the indexes written.
    @discardableResult
    public func write(_ requests: [(name: String, count: Int)]) throws -> [String: [UInt64]] {
        var seen = Set<String>()
        for r in requests where !seen.insert(r.name).inserted { throw IndexError.duplicateName(r.name) }
        let dir = manifest.root + "/index"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        var written: [String: [UInt64]] = ["full": manifest.frames.map(\.id).sorted()]
        let pool = try self.pool()
        for r in requests {
            if withoutReplacement && r.count > pool.count {
                throw IndexError.tooFew(name: r.name, wanted: r.count, available: pool.count)
            }
            guard !pool.isEmpty || r.count == 0 else { throw IndexError.tooFew(name: r.name, wanted: r.count, available: 0) }
            var rng = DeterministicRandom(Self.seedValue(seed ?? r.name))
            var ids: [UInt64]
            if withoutReplacement {
                var shuffled = pool
                for i in 0..<r.count {
                    shuffled.swapAt(i, i + rng.below(shuffled.count - i))
                }
                ids = Array(shuffled.prefix(r.count))
            } else {
                ids = (0..<r.count).map { _ in pool[rng.below(pool.count)] }
            }
            written[r.name] = ids
        }
        for (name, ids) in written {
            try AtomicFile.write(Array(ids.map { "\($0)\n" }.joined().utf8), to: dir + "/" + name + ".txt")
        }
        return written
    }
}
