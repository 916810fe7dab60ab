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
        return written
    }
}
