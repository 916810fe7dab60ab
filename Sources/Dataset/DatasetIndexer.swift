import Foundation
import RDTCore

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
        try AtomicFile.makeDirectory(dir)
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
        var excluded = Self.exclusions(root: manifest.root)
        for r in requests { excluded[r.name] = exclude }
        let record = JSON.object(excluded.keys.sorted().map { ($0, .array((excluded[$0] ?? []).map { JSON.string($0) })) })
        try AtomicFile.write(Array(record.serialized().utf8), to: dir + "/" + Self.exclusionsFile)
        return written
    }

    /// `index/exclusions.json`: for each index built by name, the indexes it was built to exclude.
    static let exclusionsFile = "exclusions.json"

    static func exclusions(root: String) -> [String: [String]] {
        guard let data = FileManager.default.contents(atPath: root + "/index/" + exclusionsFile),
            let json = try? JSON.parse([UInt8](data)), let members = json.objectValue
        else { return [:] }
        return Dictionary(members.map { ($0.0, $0.1.arrayValue?.compactMap(\.stringValue) ?? []) }, uniquingKeysWith: { a, _ in a })
    }

    /// Lines to warn with after `names` were (re)built: an index that now shares frames with an
    /// index built to exclude it (a test index rebuilt after the training indexes), so that one
    /// trains on frames the other tests on.
    public func overlapWarnings(after names: [String]) throws -> [String] {
        let excluded = Self.exclusions(root: manifest.root)
        var lines: [String] = []
        for name in names {
            let ids = Set(try manifest.index(name))
            for other in excluded.keys.sorted() where other != name && !names.contains(other) && (excluded[other] ?? []).contains(name) {
                guard let otherIDs = try? manifest.index(other) else { continue }
                let shared = Set(otherIDs).intersection(ids).count
                if shared > 0 {
                    lines.append(
                        "index \(name) shares \(shared) frame(s) with index \(other), which was built to exclude it: rebuild \(other) with -e \(name) so training never sees these frames"
                    )
                }
            }
        }
        return lines
    }
}
